import { useState } from 'react';
import { Form, Input, Label, Radio, RadioGroup, TextArea, TextField } from 'react-aria-components';
import type { KeyView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction, useQuery } from '../../api.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { DialogButtons, ModalDialog, SubmitButton } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';

// What leaves the vault from this screen: the public key (PEM, OpenSSH or JWK) and a
// certificate signing request the key signs. Both are public; each is shown read-only with a
// Copy button.

type PublicFormat = 'pem' | 'openssh' | 'jwk';
const FORMATS: ReadonlyArray<{ id: PublicFormat; label: string }> = [
  { id: 'pem', label: 'PEM (SubjectPublicKeyInfo)' },
  { id: 'openssh', label: 'OpenSSH' },
  { id: 'jwk', label: 'JWK' },
];

function Choices<T extends string>(props: {
  label: string;
  value: T;
  onChange: (value: T) => void;
  choices: ReadonlyArray<{ id: T; label: string }>;
}) {
  return (
    <RadioGroup
      className="key-radios"
      value={props.value}
      onChange={(value) => props.onChange(value as T)}
      orientation="horizontal"
    >
      <Label>{props.label}</Label>
      <div className="key-radio-row">
        {props.choices.map((choice) => (
          <Radio key={choice.id} value={choice.id} className="key-radio">
            {choice.label}
          </Radio>
        ))}
      </div>
    </RadioGroup>
  );
}

/** Public text, read-only and selectable, with its Copy button. */
function PublicText({ label, text, copy }: { label: string; text: string; copy: string }) {
  return (
    <>
      <TextField className="field field-wide" value={text} isReadOnly>
        <Label>{label}</Label>
        <TextArea
          className="key-output mono"
          wrap="off"
          rows={Math.min(14, text.split('\n').length + 1)}
        />
      </TextField>
      <CopyButton text={text} label={copy} />
    </>
  );
}

function ExportPublicView({ keyView, close }: { keyView: KeyView; close: () => void }) {
  const [format, setFormat] = useState<PublicFormat>('pem');
  const exported = useQuery(
    () => ask(keywarden().keys.exportPublic({ id: keyView.id, format })),
    [keyView.id, format],
  );
  const label = FORMATS.find((f) => f.id === format)?.label ?? format;
  return (
    <div className="form">
      <p>The public key only: it lets others verify this key&apos;s signatures or encrypt to it.</p>
      <Choices label="Format" value={format} onChange={setFormat} choices={FORMATS} />
      <ErrorNote error={exported.error} />
      {exported.data && (
        <PublicText
          label={`Public key, ${label}`}
          text={exported.data.text}
          copy="Copy public key"
        />
      )}
      <DialogButtons close={close} closeLabel="Close" />
    </div>
  );
}

export function ExportPublicDialog({ keyView }: { keyView: KeyView }) {
  return (
    <ModalDialog opener="Export public key" title={`Public key of ${keyView.name}`} size="wide">
      {(close) => <ExportPublicView keyView={keyView} close={close} />}
    </ModalDialog>
  );
}

interface Subject {
  commonName: string;
  organization: string;
  organizationalUnit: string;
  country: string;
  email: string;
  dnsNames: string;
}
const EMPTY: Subject = {
  commonName: '',
  organization: '',
  organizationalUnit: '',
  country: '',
  email: '',
  dnsNames: '',
};
const SUBJECT_FIELDS: ReadonlyArray<{ name: keyof Subject; label: string; max: number }> = [
  { name: 'commonName', label: 'Common name', max: 64 },
  { name: 'organization', label: 'Organisation', max: 64 },
  { name: 'organizationalUnit', label: 'Organisational unit', max: 64 },
  { name: 'country', label: 'Country (two letters)', max: 2 },
  { name: 'email', label: 'Email', max: 254 },
  { name: 'dnsNames', label: 'DNS names (separated by commas)', max: 4000 },
];

/** The request's subject: the fields typed, trimmed; empty ones left out. */
function subjectOf(typed: Subject) {
  const optional = (text: string) => (text.trim() ? text.trim() : undefined);
  const dnsNames = typed.dnsNames
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const subject = {
    commonName: typed.commonName.trim(),
    organization: optional(typed.organization),
    organizationalUnit: optional(typed.organizationalUnit),
    country: optional(typed.country.toUpperCase()),
    email: optional(typed.email),
    dnsNames: dnsNames.length ? dnsNames : undefined,
  };
  return Object.fromEntries(Object.entries(subject).filter(([, v]) => v !== undefined)) as {
    commonName: string;
  };
}

function CsrForm({ keyView, close }: { keyView: KeyView; close: () => void }) {
  const rsa = keyView.algorithm.startsWith('rsa');
  const [typed, setTyped] = useState<Subject>(EMPTY);
  const [padding, setPadding] = useState<'pkcs1' | 'pss'>('pkcs1');
  const csr = useAction(() =>
    ask(
      keywarden().keys.csr({
        id: keyView.id,
        subject: subjectOf(typed),
        ...(rsa ? { rsaPadding: padding } : {}),
      }),
    ),
  );
  const [pem, setPem] = useState<string | null>(null);
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (csr.busy) return;
        void csr.run().then((made) => made && setPem(made.pem));
      }}
    >
      <p>
        A certificate signing request for a certificate authority, signed by this key. The key stays
        in the vault; the request holds only its public key and the subject below.
      </p>
      <div className="key-subject">
        {SUBJECT_FIELDS.map((field) => (
          <TextField
            key={field.name}
            className="field"
            value={typed[field.name]}
            onChange={(value) => setTyped((all) => ({ ...all, [field.name]: value }))}
            isRequired={field.name === 'commonName'}
          >
            <Label>{field.label}</Label>
            <Input maxLength={field.max} autoFocus={field.name === 'commonName'} />
          </TextField>
        ))}
      </div>
      {rsa && (
        <Choices
          label="RSA signature padding"
          value={padding}
          onChange={setPadding}
          choices={[
            { id: 'pkcs1', label: 'PKCS #1 v1.5' },
            { id: 'pss', label: 'PSS' },
          ]}
        />
      )}
      {csr.busy && <Progress label="Signing the request…" />}
      <ErrorNote error={csr.error} />
      {pem && <PublicText label="Certificate signing request (PEM)" text={pem} copy="Copy CSR" />}
      <DialogButtons close={close} closeLabel="Close">
        <SubmitButton disabled={typed.commonName.trim() === ''} pending={csr.busy}>
          {pem ? 'Make it again' : 'Make the CSR'}
        </SubmitButton>
      </DialogButtons>
    </Form>
  );
}

export function CsrDialog({ keyView }: { keyView: KeyView }) {
  return (
    <ModalDialog
      opener="Make a CSR"
      title={`Certificate signing request for ${keyView.name}`}
      size="wide"
    >
      {(close) => <CsrForm keyView={keyView} close={close} />}
    </ModalDialog>
  );
}
