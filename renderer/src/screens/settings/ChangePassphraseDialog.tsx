import { useState } from 'react';
import { Form } from 'react-aria-components';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { keywarden, useAction } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { CalibrationProgress, useCalibration } from './CalibrationProgress.tsx';
import { CheckboxChoice } from '../../components/ChoiceBoxes.tsx';
import { DialogButtons, SubmitButton } from '../../components/Dialog.tsx';
import { NewSecretFields, useNewSecret } from '../../components/NewSecretFields.tsx';
import { ReauthField, useReauth } from './ReauthField.tsx';

// A new vault passphrase: the passphrase slot this session opened (or the vault's only one)
// is replaced; only the VMK is wrapped again, no record is re-encrypted. The Argon2id cost is
// calibrated on this machine again unless the person keeps the current one.

export function ChangePassphraseDialog({
  header,
  close,
  onDone,
}: {
  header: VaultHeader;
  close: () => void;
  onDone: (said: string) => void;
}) {
  const passphrase = useNewSecret();
  const [recalibrate, setRecalibrate] = useState(true);
  const reauth = useReauth();
  const calibration = useCalibration();
  const change = useAction(async () =>
    reauth.send((proof, secrets) =>
      keywarden().vault.changePassphrase({
        newPassphrase: secrets.of(passphrase.value),
        // An empty request calibrates with the vault's defaults; none keeps the slot's cost.
        ...(recalibrate ? { kdf: {} } : {}),
        ...proof,
      }),
    ),
  );
  return (
    <Form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (change.busy || !passphrase.ready) return;
        calibration.reset();
        void change.run().then((changed) => {
          passphrase.clear();
          reauth.clear();
          if (!changed) return;
          onDone(`The vault passphrase is changed (slot #${changed.slotId}).`);
          close();
        });
      }}
    >
      <p>
        The passphrase slot you unlocked with is replaced by one for the new passphrase; the other
        slots are not touched.
      </p>
      <ReauthField header={header} reauth={reauth} />
      <NewSecretFields
        entries={passphrase}
        kind="new"
        label="New passphrase"
        againLabel="The same new passphrase again"
        description="At least 12 characters; several words are easiest to remember."
        isRequired
      />
      <CheckboxChoice
        isSelected={recalibrate}
        onChange={setRecalibrate}
        hint="Measures this machine so that unlocking takes about a second; otherwise the current cost is kept."
      >
        Calibrate the key derivation again on this machine
      </CheckboxChoice>
      {change.busy &&
        (recalibrate ? (
          <CalibrationProgress heard={calibration.heard} />
        ) : (
          <Progress label="Deriving the new key…" />
        ))}
      <ErrorNote error={change.error} />
      <DialogButtons close={close}>
        <SubmitButton disabled={passphrase.differ} pending={change.busy}>
          Change the passphrase
        </SubmitButton>
      </DialogButtons>
    </Form>
  );
}
