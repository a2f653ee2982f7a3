import { useState } from 'react';
import { Form, Input, Label, Text, TextField } from 'react-aria-components';
import type { SlotSummary, VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { keywarden, useAction } from '../../api.ts';
import { DialogButtons, SubmitButton } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { ReauthField, useReauth } from './ReauthField.tsx';
import { slotKindWords } from './slot-words.ts';

// Naming and removing an unlock slot. Both need a fresh unlock (see ReauthField.tsx); the
// vault refuses to remove its last slot, or the last one seen to open it, and says why.

/** "slot #2 (Passphrase, “backup”)". */
function slotWords(slot: SlotSummary): string {
  return `slot #${slot.slotId} (${slotKindWords(slot)}${slot.name ? `, “${slot.name}”` : ''})`;
}

export function RenameSlotDialog({
  header,
  slot,
  close,
  onDone,
}: {
  header: VaultHeader;
  slot: SlotSummary;
  close: () => void;
  onDone: (said: string) => void;
}) {
  const [name, setName] = useState(slot.name ?? '');
  const reauth = useReauth();
  const rename = useAction(async () =>
    reauth.send((proof) =>
      keywarden().vault.renameSlot({ slotId: slot.slotId, name: name.trim() || null, ...proof }),
    ),
  );
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (rename.busy) return;
        void rename.run().then((renamed) => {
          reauth.clear();
          if (!renamed) return;
          onDone(
            renamed.name
              ? `Slot #${renamed.slotId} is now named “${renamed.name}”.`
              : `Slot #${renamed.slotId} has no name now.`,
          );
          close();
        });
      }}
    >
      <p>A name tells people which slot is which on the unlock screen.</p>
      <TextField className="field" value={name} onChange={setName} maxLength={64} autoFocus>
        <Label>Name</Label>
        <Input spellCheck={false} />
        <Text slot="description" className="hint">
          Up to 64 characters; leave it empty to remove the name.
        </Text>
      </TextField>
      <ReauthField header={header} reauth={reauth} />
      {rename.busy && <Progress label="Confirming it is you and renaming the slot…" />}
      <ErrorNote error={rename.error} />
      <DialogButtons close={close}>
        <SubmitButton pending={rename.busy}>Rename the slot</SubmitButton>
      </DialogButtons>
    </Form>
  );
}

export function RemoveSlotDialog({
  header,
  slot,
  close,
  onDone,
}: {
  header: VaultHeader;
  slot: SlotSummary;
  close: () => void;
  onDone: (said: string) => void;
}) {
  const reauth = useReauth();
  const remove = useAction(async () =>
    reauth.send((proof) => keywarden().vault.removeSlot({ slotId: slot.slotId, ...proof })),
  );
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (remove.busy) return;
        void remove.run().then((removed) => {
          reauth.clear();
          if (!removed) return;
          const keychain =
            removed.keychainItemDeleted === false
              ? ' Its keychain item could not be deleted; it opens nothing without the slot.'
              : '';
          onDone(`Removed ${slotWords(slot)}.${keychain}`);
          close();
        });
      }}
    >
      <p>
        Remove {slotWords(slot)}? What it unlocked with will no longer open the vault. No key or
        record is changed, and the other slots keep working.
      </p>
      <ReauthField header={header} reauth={reauth} />
      {remove.busy && <Progress label="Confirming it is you and removing the slot…" />}
      <ErrorNote error={remove.error} />
      <DialogButtons close={close}>
        <SubmitButton tone="danger" pending={remove.busy}>
          Remove the slot
        </SubmitButton>
      </DialogButtons>
    </Form>
  );
}
