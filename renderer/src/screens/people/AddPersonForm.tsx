import { useState } from 'react';
import { Button, CheckboxGroup, Form, Input, Label, Text, TextField } from 'react-aria-components';
import { ROLES } from '../../../../electron/shared/inventory-types.ts';
import type { PersonView } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction } from '../../api.ts';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { ErrorNote } from '../../components/notes.tsx';
import { ROLE_WORDS, isRole } from './roles.ts';

// Adding a person to the registry: a name (unique, any case) and one or more roles. The vault
// refuses a duplicate name, a name it cannot keep, and anyone but an officer adding people
// once the registry has its first person; each refusal is shown in its words.

export function AddPersonForm({
  first,
  onAdded,
}: {
  /** The registry is empty: whoever adds the first person starts it. */
  first: boolean;
  onAdded: (person: PersonView) => void;
}) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [tried, setTried] = useState(false);
  const [said, setSaid] = useState('');
  const add = useAction(async () =>
    ask(keywarden().people.add({ name: name.trim(), roles: roles.filter(isRole) })),
  );
  const noName = name.trim() === '';
  const noRole = roles.length === 0;
  return (
    <section aria-labelledby="add-person-title" className="card">
      <h2 id="add-person-title">Add a person</h2>
      {first && (
        <p className="hint">
          The first person starts the registry; after that only an officer adds people, and the app
          acts as the name you sign in to this computer with. Add yourself first, under that name,
          as an officer.
        </p>
      )}
      <Form
        className="form"
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          if (add.busy) return;
          setTried(true);
          setSaid('');
          if (noName || noRole) return;
          void add.run().then((person) => {
            if (!person) return;
            setName('');
            setRoles([]);
            setTried(false);
            setSaid(
              `Added ${person.name} (${person.roles.map((r) => ROLE_WORDS[r].label.toLowerCase()).join(', ')}).`,
            );
            onAdded(person);
          });
        }}
      >
        <TextField
          className="field field-wide"
          value={name}
          onChange={setName}
          maxLength={200}
          isRequired
          isInvalid={tried && noName}
        >
          <Label>Name</Label>
          <Input spellCheck={false} autoComplete="off" />
          <Text slot="description" className="hint">
            As the person signs ceremony records; names are unique, whatever their case.
          </Text>
          {tried && noName && (
            <Text slot="errorMessage" className="field-error">
              Type the person&apos;s name.
            </Text>
          )}
        </TextField>
        <CheckboxGroup
          className="field"
          value={roles}
          onChange={setRoles}
          isRequired
          isInvalid={tried && noRole}
        >
          <Label className="kw-group-label">Roles</Label>
          <div className="kw-choices">
            {ROLES.map((role) => (
              <CheckboxChoice key={role} value={role} hint={ROLE_WORDS[role].hint}>
                {ROLE_WORDS[role].label}
              </CheckboxChoice>
            ))}
          </div>
          {tried && noRole && (
            <Text slot="errorMessage" className="field-error">
              Choose at least one role.
            </Text>
          )}
        </CheckboxGroup>
        <ErrorNote error={add.error} />
        <Button type="submit" className="button button-primary">
          Add person
        </Button>
      </Form>
      <p role="status" className="kw-status">
        {said}
      </p>
    </section>
  );
}
