import { useState } from 'react';
import { Button, Form, Label, Radio, RadioGroup } from 'react-aria-components';
import type { CeremonyTemplateView } from '../../../../electron/shared/ceremony-run-types.ts';
import type { KeyView, PersonView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction, useQuery } from '../../api.ts';
import { ChoiceField } from '../../components/ChoiceField.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { navigate } from '../../router.ts';
import { ParameterFields, defaultsOf, keyChoice, requestParameters } from './ParameterFields.tsx';
import type { ParameterValues } from './ParameterFields.tsx';
import {
  ParticipantPicker,
  assignmentProblem,
  noOne,
  participantsOf,
} from './ParticipantPicker.tsx';
import type { Assignment } from './ParticipantPicker.tsx';
import { countWords, roleTitle } from './ceremony-words.ts';
import { takeUp } from './taken-up.ts';
import './ceremony-new.css';

// A new ceremony: its template (summary, roles and steps shown), its parameters, who takes
// part in which role, and the key that signs its transcript. Opening it checks everything
// again in the vault; then the wizard takes over at #/ceremonies/ID.

const SIGNING_ALGORITHMS = new Set(['ed25519', 'p256', 'p384', 'rsa2048', 'rsa4096']);

/** Keys that can sign a transcript: active signing keys with a public key, held here or on a token. */
const canSign = (key: KeyView) =>
  key.state === 'active' &&
  key.purposes.includes('sign') &&
  key.publicKey !== null &&
  !key.publicOnly &&
  SIGNING_ALGORITHMS.has(key.algorithm);

function TemplateForm({
  template,
  people,
  keys,
}: {
  template: CeremonyTemplateView;
  people: PersonView[];
  keys: KeyView[];
}) {
  const [values, setValues] = useState<ParameterValues>(() => defaultsOf(template.parameters));
  const [assignment, setAssignment] = useState<Assignment>(noOne);
  const [signingKey, setSigningKey] = useState<string | null>(null);
  const signers = keys.filter(canSign);
  const hasQuorum = template.parameters.some((p) => p.name === 'threshold');
  const quorum = hasQuorum && typeof values.threshold === 'number' ? values.threshold : null;
  const problem = assignmentProblem(template, assignment, quorum);
  const start = useAction(async () => {
    const view = await ask(
      keywarden().ceremony.start({
        template: template.id,
        parameters: requestParameters(values),
        participants: participantsOf(assignment),
        signingKey: signingKey ?? '',
      }),
    );
    takeUp(view.id);
    navigate({ screen: 'ceremony', id: view.id });
    return view;
  });
  return (
    <Form
      className="cer-new-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!problem && signingKey) void start.run();
      }}
    >
      <section aria-labelledby="template-about" className="cer-subsection">
        <h3 id="template-about">Roles and steps</h3>
        <ul className="cer-role-counts">
          {Object.entries(template.roles)
            .filter(([, count]) => count.max > 0)
            .map(([role, count]) => (
              <li key={role}>
                {roleTitle(role as keyof typeof template.roles, 2)}: {countWords(count)}
                {role === 'custodian' && hasQuorum && ' (at least the quorum)'}
              </li>
            ))}
        </ul>
        <ol className="cer-template-steps">
          {template.steps.map((step) => (
            <li key={step.id}>
              <strong>{step.title}.</strong> {step.text}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="template-parameters" className="cer-subsection">
        <h3 id="template-parameters">Parameters</h3>
        <ParameterFields
          parameters={template.parameters}
          values={values}
          onChange={setValues}
          keys={keys}
        />
      </section>
      <section aria-labelledby="template-participants" className="cer-subsection">
        <h3 id="template-participants">Participants</h3>
        <p className="hint">
          Each person takes one role, and proves presence with the factor enrolled for them on the
          People screen (a presence passphrase, or a signing key on their own token).
        </p>
        <ParticipantPicker
          template={template}
          people={people}
          assignment={assignment}
          onChange={setAssignment}
          quorum={quorum}
        />
      </section>
      <section aria-labelledby="template-signer" className="cer-subsection">
        <h3 id="template-signer">Transcript signing key</h3>
        {signers.length === 0 ? (
          <p>
            No key here can sign a transcript. Generate an active Ed25519, ECDSA or RSA key with the
            sign purpose on the Keys screen first.
          </p>
        ) : (
          <ChoiceField
            label="Key that signs the transcript"
            options={signers.map(keyChoice)}
            value={signingKey}
            onChange={setSigningKey}
            isRequired
            description="Its public key alone verifies the exported transcript."
            className="field-wide"
          />
        )}
      </section>
      {problem && <p className="cer-problem">{problem}</p>}
      {start.busy && <Progress label="Opening the ceremony…" />}
      <ErrorNote error={start.error} />
      <Button
        type="submit"
        className="button button-primary"
        isDisabled={start.busy || problem !== null || signingKey === null}
      >
        Open the ceremony
      </Button>
    </Form>
  );
}

export function NewCeremony({ onCancel }: { onCancel: () => void }) {
  const templates = useQuery(() => ask(keywarden().ceremony.listTemplates({})));
  const people = useQuery(() => ask(keywarden().people.list({})));
  const keys = useQuery(() => ask(keywarden().keys.list({})));
  const [templateId, setTemplateId] = useState<string | null>(null);
  const template = templates.data?.find((t) => t.id === templateId) ?? null;
  const loading = templates.loading || people.loading || keys.loading;
  return (
    <section aria-labelledby="new-title" className="card cer-new">
      <div className="cer-new-head">
        <h2 id="new-title">New ceremony</h2>
        <Button className="button button-quiet" onPress={onCancel}>
          Cancel
        </Button>
      </div>
      {loading && <Progress label="Reading the templates, people and keys…" />}
      <ErrorNote error={templates.error ?? people.error ?? keys.error} />
      {templates.data && (
        <RadioGroup
          className="cer-templates"
          value={templateId}
          onChange={setTemplateId}
          isRequired
        >
          <Label className="cer-group-label">Template</Label>
          {templates.data.map((t) => (
            <Radio key={t.id} value={t.id} className="slot-radio">
              <span className="slot-title">{t.title}</span>
              <span className="slot-factors">{t.summary}</span>
            </Radio>
          ))}
        </RadioGroup>
      )}
      {template && people.data && keys.data && (
        <TemplateForm key={template.id} template={template} people={people.data} keys={keys.data} />
      )}
    </section>
  );
}
