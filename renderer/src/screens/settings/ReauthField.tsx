import { useEffect, useRef, useState } from 'react';
import type { Reply, UnlockFactorRequest } from '../../../../electron/shared/contract.ts';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { ask, CallError } from '../../api.ts';
import { SecretField } from '../../components/SecretField.tsx';
import { withSecretBytes } from './secret-bytes.ts';
import type { SecretBytes } from './secret-bytes.ts';

// Unlock-slot changes need a fresh unlock: within two minutes of unlocking, or with factors
// that open the vault sent along (the channels' `reauth`). Here that is a passphrase of this
// vault, asked for in every dialog that changes slots and sent when given; REAUTH_REQUIRED
// makes it required.

/** The `reauth` of a request: the passphrase typed, as bytes `secrets` zeroes; none if empty. */
export function reauthOf(
  passphrase: string,
  secrets: SecretBytes,
): { reauth?: UnlockFactorRequest[] } {
  return passphrase ? { reauth: [{ kind: 'passphrase', passphrase: secrets.of(passphrase) }] } : {};
}

/** What a slot-changing request carries besides its own fields: the re-authentication, if any. */
export type ReauthProof = ReturnType<typeof reauthOf>;

/**
 * The passphrase typed for re-authentication, whether the service asked for it, `send` to make
 * a slot-changing call with it, and `clear` to empty the field.
 */
export function useReauth() {
  const [value, setValue] = useState('');
  const [required, setRequired] = useState(false);
  /**
   * Makes `request`'s call with the typed passphrase as its `reauth` (and `secrets` for the
   * request's own secrets: all zeroed when the call is over) and returns its value. A
   * REAUTH_REQUIRED answer makes the passphrase required; every refusal is rethrown.
   */
  async function send<T>(
    request: (proof: ReauthProof, secrets: SecretBytes) => Promise<Reply<T>>,
  ): Promise<T> {
    return withSecretBytes(async (secrets) => {
      try {
        return await ask(request(reauthOf(value, secrets), secrets));
      } catch (error) {
        if (error instanceof CallError && error.code === 'REAUTH_REQUIRED') setRequired(true);
        throw error;
      }
    });
  }
  return { value, setValue, required, send, clear: () => setValue('') };
}

/** The passphrase field of a dialog that changes slots (hint only if there is no passphrase slot). */
export function ReauthField({
  header,
  reauth,
}: {
  header: VaultHeader;
  reauth: ReturnType<typeof useReauth>;
}) {
  const { value, setValue, required } = reauth;
  const input = useRef<HTMLInputElement>(null);
  // Asked for by the vault: the person's next step is typing it, so the cursor goes there.
  useEffect(() => {
    if (required) input.current?.focus();
  }, [required]);
  if (!header.slots.some((slot) => slot.kind === 'passphrase')) {
    return (
      <p className="hint">
        This vault has no passphrase slot to confirm the change with: if it is refused, lock the
        vault, unlock it again and make the change within two minutes.
      </p>
    );
  }
  return (
    <SecretField
      label="Current vault passphrase"
      kind="current"
      value={value}
      onChange={setValue}
      isRequired={required}
      inputRef={input}
      description={
        required
          ? 'Required: the vault was unlocked more than two minutes ago.'
          : 'Confirms it is you; needed once two minutes have passed since unlocking.'
      }
    />
  );
}
