import type { VaultDeps } from '../../electron/core/vault/vault.ts';
import type { FactorEnrolment } from '../../electron/core/vault/factor-types.ts';
import { realDeps } from '../../electron/services/runtime.ts';
import { openTokenLayer } from '../../native/pkcs11/pkcs11-client.ts';
import { SOFTHSM_MODULE } from './softhsm.fixture.ts';
import type { SoftHsmToken } from './softhsm.fixture.ts';
import { FAST_KDF, makeVault, unlockVault } from './vault-fixture.ts';

// A vault with one slot of each kind the unlock screen's other factors need, made through core
// as the integration tests make them, before the app opens it: the passphrase slot it is
// created with, a PKCS#11 token slot, a recovery key, and a quorum of a passphrase and two
// tokens. Each token gets a P-256 key generated on it for its factor. The token layer used for
// that is closed again, so the app's own layer is the only one open on the tokens afterwards.

/** A quorum's k and what each of its factors is, in enrolment order. */
export interface QuorumPlan {
  threshold: number;
  name: string;
  /** The quorum's own passphrase (not the vault's). */
  passphrase: string;
  tokens: readonly SoftHsmToken[];
}

export interface FactorVault {
  /** The recovery key's text, as it is shown once. */
  recoveryKey: string;
}

const pinOf = (token: SoftHsmToken) => Buffer.from(token.pin, 'utf8');

/**
 * Creates the vault at `path` (TEST_PASSPHRASE, FAST_KDF) and adds, in this order, a token slot
 * named `tokenSlotName` for `token`, a recovery key, and the quorum slot of `quorum`. SOFTHSM2_CONF
 * must name the tokens' configuration (startSoftHsm sets it). Throws whatever core or the token
 * layer throws (PIN_INCORRECT for a token whose pin field is wrong, for one).
 */
export async function makeFactorVault(
  path: string,
  token: SoftHsmToken,
  tokenSlotName: string,
  quorum: QuorumPlan,
): Promise<FactorVault> {
  const layer = openTokenLayer({ modules: [SOFTHSM_MODULE], pollMs: 60_000 });
  try {
    const deps: VaultDeps = { ...realDeps(), tokens: () => layer };
    const enrolToken = async (on: SoftHsmToken, label: string): Promise<FactorEnrolment> => {
      const key = await layer.generate({ module: '', serial: on.serial }, pinOf(on), {
        algorithm: 'p256',
        label,
      });
      return { kind: 'pkcs11', serial: on.serial, keyId: key.id, pin: pinOf(on) };
    };
    await makeVault(path, deps);
    const vault = await unlockVault(path, undefined, deps);
    try {
      await vault.addSlot('tester', {
        factors: [await enrolToken(token, 'vault unlock')],
        name: tokenSlotName,
      });
      const recovery = vault.addRecoveryKey('tester', false);
      const quorumFactors: FactorEnrolment[] = [
        { kind: 'passphrase', passphrase: Buffer.from(quorum.passphrase, 'utf8'), kdf: FAST_KDF },
      ];
      for (const member of quorum.tokens) {
        quorumFactors.push(await enrolToken(member, 'quorum unlock'));
      }
      await vault.addSlot('tester', {
        factors: quorumFactors,
        threshold: quorum.threshold,
        name: quorum.name,
      });
      return { recoveryKey: recovery.recoveryKey };
    } finally {
      vault.lock('tester');
    }
  } finally {
    await layer.close();
  }
}
