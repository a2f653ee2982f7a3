import { CheckboxGroup, Label, Text } from 'react-aria-components';
import type {
  CeremonyRoleName,
  CeremonyTemplateView,
} from '../../../../electron/shared/ceremony-run-types.ts';
import { CEREMONY_ROLE_NAMES } from '../../../../electron/shared/ceremony-run-types.ts';
import type { PersonView, Role } from '../../../../electron/shared/inventory-types.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { countWords, roleTitle, roleWord } from './ceremony-words.ts';

// Who takes part in which role: for each role the template has, the registered people who
// hold the registry role it needs (an administrator is an officer), each person in one role
// only, with the count the template asks and the quorum a split or recombination needs.

export type Assignment = Record<CeremonyRoleName, string[]>;

/** The registry role a ceremony role needs (as the services check it). */
const REGISTRY_ROLE: Readonly<Record<CeremonyRoleName, Role>> = {
  administrator: 'officer',
  custodian: 'custodian',
  witness: 'witness',
  auditor: 'auditor',
};

export const noOne = (): Assignment => ({
  administrator: [],
  custodian: [],
  witness: [],
  auditor: [],
});

/** The participants as ceremony:start takes them. */
export function participantsOf(assignment: Assignment) {
  return CEREMONY_ROLE_NAMES.flatMap((role) => assignment[role].map((name) => ({ name, role })));
}

/** What is wrong with the assignment, in words, or null when the counts are right. */
export function assignmentProblem(
  template: CeremonyTemplateView,
  assignment: Assignment,
  quorum: number | null,
): string | null {
  for (const role of CEREMONY_ROLE_NAMES) {
    const { min, max } = template.roles[role];
    const count = assignment[role].length;
    if (count < min || count > max)
      return `Choose ${countWords({ min, max })} ${roleWord(role, max === 1 ? 1 : 2)}.`;
  }
  if (quorum !== null && assignment.custodian.length < quorum)
    return `The quorum is ${quorum} custodians: choose at least ${quorum}.`;
  return null;
}

export function ParticipantPicker({
  template,
  people,
  assignment,
  onChange,
  quorum,
}: {
  template: CeremonyTemplateView;
  people: PersonView[];
  assignment: Assignment;
  onChange: (assignment: Assignment) => void;
  quorum: number | null;
}) {
  const roleOf = (name: string) =>
    CEREMONY_ROLE_NAMES.find((role) => assignment[role].includes(name)) ?? null;
  return (
    <div className="cer-roles">
      {CEREMONY_ROLE_NAMES.filter((role) => template.roles[role].max > 0).map((role) => {
        const eligible = people.filter((p) => p.roles.includes(REGISTRY_ROLE[role]));
        const wanted = countWords(template.roles[role]);
        const chosen = assignment[role].length;
        return (
          <CheckboxGroup
            key={role}
            className="field cer-role"
            value={assignment[role]}
            onChange={(names) => onChange({ ...assignment, [role]: names })}
          >
            <Label>
              {roleTitle(role, 2)}: {wanted}
            </Label>
            <Text slot="description" className="hint">
              {chosen} chosen
              {role === 'custodian' && quorum !== null
                ? `; the quorum is ${quorum} of ${chosen} custodians`
                : ''}
              . People with the {REGISTRY_ROLE[role]} role in the registry.
            </Text>
            {eligible.length === 0 ? (
              <p className="cer-empty-role">
                No one registered has the {REGISTRY_ROLE[role]} role: add them on the People screen.
              </p>
            ) : (
              <div className="kw-choices">
                {eligible.map((person) => {
                  const elsewhere = roleOf(person.name);
                  const taken = elsewhere !== null && elsewhere !== role;
                  // The role taken elsewhere is part of the name, so a screen reader says why
                  // the box cannot be ticked.
                  return (
                    <CheckboxChoice key={person.id} value={person.name} isDisabled={taken}>
                      {person.name}
                      {taken && elsewhere && (
                        <span className="hint"> (chosen as {roleWord(elsewhere)})</span>
                      )}
                    </CheckboxChoice>
                  );
                })}
              </div>
            )}
          </CheckboxGroup>
        );
      })}
    </div>
  );
}
