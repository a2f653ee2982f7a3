import { parseRecoveryKey } from '../../electron/core/vault/recovery-key.ts';
import type { RequestOf } from '../../electron/shared/contract.ts';
import { certificateFor } from './certificate-for.ts';
import { keychainItem } from './keyring.fixture.ts';
import { PRESENCE } from './ceremony-script.ts';
import { keyNamed, unlockAfresh } from './secret-scenario.ts';
import type { ScenarioContext } from './secret-scenario.ts';

// The vault, its unlock slots, the people, the tokens and the app's own channels, as the
// renderer drives them; wrong passphrases and PINs are offered too, so that error replies are
// scanned for what was typed. Every passphrase, PIN and slot secret is seeded in the book.

/**
 * Argon2id at the vault's floor (m = 19 MiB, t = 2, p = 1): the vault fixture's FAST_KDF as a
 * request gives it; a passphrase slot in tens of ms.
 */
const FAST = { memoryMiB: 19, iterations: 2, parallelism: 1 } as const;

/** The people of the scenario: Alice runs it; Carol and Dave keep shares; Wendy witnesses. */
export const PEOPLE = [
  ['Alice', 'officer'],
  ['Carol', 'custodian'],
  ['Dave', 'custodian'],
  ['Wendy', 'witness'],
] as const;

/**
 * vault:init (calibrated, so KDF progress is pushed), read-header, unlock (a wrong passphrase
 * first), the people and their presence passphrases, change-passphrase, the recovery key, a
 * keychain slot, a passphrase-and-token slot, rename and remove, and unlocks by each factor.
 */
export async function vaultAndSlots(context: ScenarioContext): Promise<void> {
  const { rpc, book, path, token } = context;
  await rpc.ok('settings:show', {});
  await rpc.ok('settings:set', { autoLockMinutes: 7, vaultPath: path });
  await rpc.ok('vault:init', {
    path,
    passphrase: context.passphrase.fresh(),
    kdf: { memoryMiB: FAST.memoryMiB, parallelism: FAST.parallelism, targetMs: 100 },
  });
  await rpc.ok('vault:read-header', { path });
  const wrong = book.addText('wrong vault passphrase', 'not the vault passphrase, Grüße 5e1d');
  await rpc.fails('vault:unlock', {
    path,
    factor: { kind: 'passphrase', passphrase: wrong.fresh() },
  });
  await rpc.ok('vault:unlock', {
    path,
    factor: { kind: 'passphrase', passphrase: context.passphrase.fresh() },
  });

  for (const [name, role] of PEOPLE) {
    await rpc.ok('people:add', { name, roles: [role] });
    const presence = book.addText(`presence passphrase of ${name}`, PRESENCE[name]!);
    await rpc.ok('people:set-presence', { name, passphrase: presence.fresh() });
  }
  await rpc.ok('people:list', {});

  const second = book.addText('second vault passphrase', 'a new vault passphrase, Øresund 9b07');
  await rpc.ok('vault:change-passphrase', { newPassphrase: second.fresh(), kdf: FAST });
  context.passphrase = second;

  // Shown by main once, never over IPC: the channels must not show it afterwards either.
  const { recoveryKey } = context.services.addRecoveryKey(false);
  book.addText('recovery key', recoveryKey);
  book.addText('recovery key, ungrouped', recoveryKey.replaceAll('-', ''));
  book.addBytes('recovery key secret', parseRecoveryKey(recoveryKey));

  const keychainSlot = await rpc.ok('vault:add-keychain-slot', {});
  const item = keychainItem(path);
  const slotSecret = context.keyring.lookup(item.service, item.account);
  if (!slotSecret) throw new Error('the keyring holds no keychain slot secret');
  book.addBytes('keychain slot secret', slotSecret);

  // A slot of a passphrase and a token key together (ECDH on the token), named, renamed.
  const slotKey = await rpc.ok('keys:generate', {
    name: 'slot key on the token',
    algorithm: 'p256',
    purposes: ['agree'],
    owner: 'Alice',
    token: { serial: token.serial, pin: context.pin.fresh() },
  });
  context.keys.set('slot key', slotKey);
  const ckaId = slotKey.location.kind === 'token' ? slotKey.location.ckaId : '';
  const slotPassphrase = book.addText('slot passphrase', 'slot passphrase beside the card 71aa');
  const added = await rpc.ok('vault:add-slot', {
    factors: [
      { kind: 'passphrase', passphrase: slotPassphrase.fresh(), kdf: FAST },
      { kind: 'pkcs11', serial: token.serial, keyId: ckaId, pin: context.pin.fresh() },
    ],
    name: 'card and phrase',
  });
  await rpc.ok('vault:rename-slot', { slotId: added.slotId, name: 'officer card' });
  // No TPM and no FIDO2 key here: refused for want of a device, with a PIN in the request.
  const devicePin = book.addText('FIDO2 PIN offered', 'fido pin 2c4e8a');
  await rpc.fails('vault:add-slot', {
    factors: [{ kind: 'fido2', pin: devicePin.fresh() }],
    reauth: [{ kind: 'passphrase', passphrase: context.passphrase.fresh() }],
  });
  // The YubiKey model waits for a touch (token:activity) while a slot is enrolled on it.
  const yubiKeySlot = await rpc.ok('vault:add-slot', {
    factors: [{ kind: 'yubikey-hmac', slot: 2 }],
    reauth: [{ kind: 'passphrase', passphrase: context.passphrase.fresh() }],
  });
  await rpc.ok('vault:remove-slot', {
    slotId: yubiKeySlot.slotId,
    reauth: [{ kind: 'passphrase', passphrase: context.passphrase.fresh() }],
  });

  const unlockBy = async (request: RequestOf<'vault:unlock'>) => {
    await rpc.ok('vault:lock', {});
    return rpc.call('vault:unlock', request);
  };
  const byRecovery = await unlockBy({
    path,
    factor: { kind: 'recovery-key', recoveryKey: book.get('recovery key').fresh() },
  });
  const byKeychain = await unlockBy({ path, factor: { kind: 'keychain' } });
  const wrongPin = book.addText('wrong token PIN', 'wrong-pin-3d9f');
  const byWrongPin = await unlockBy({
    path,
    factors: [
      { kind: 'passphrase', passphrase: slotPassphrase.fresh() },
      { kind: 'pkcs11', serial: token.serial, pin: wrongPin.fresh() },
    ],
  });
  const tpmPin = book.addText('TPM PIN offered', 'tpm pin 6b1d0c');
  const byTpm = await rpc.call('vault:unlock', {
    path,
    factor: { kind: 'tpm2', pin: tpmPin.fresh() },
  });
  const byCard = await unlockBy({
    path,
    factors: [
      { kind: 'passphrase', passphrase: slotPassphrase.fresh() },
      { kind: 'pkcs11', serial: token.serial, pin: context.pin.fresh() },
    ],
  });
  const outcomes = [byRecovery.ok, byKeychain.ok, byWrongPin.ok, byTpm.ok, byCard.ok];
  if (outcomes.join() !== 'true,true,false,false,true')
    throw new Error(
      `unlock by each factor went ${outcomes.join()}, not true,true,false,false,true`,
    );
  await unlockAfresh(context);
  await rpc.ok('vault:remove-slot', { slotId: keychainSlot.slotId });
  await rpc.ok('vault:verify', {});
  await rpc.ok('audit:verify', {});
}

/**
 * The token channels (a wrong PIN, objects, a certificate beside the slot key, change-pin,
 * unblock-pin, init of the free slot, waiting for its tokens:changed), then the clipboard,
 * the policy and the CBOM.
 */
export async function tokensAndApp(context: ScenarioContext): Promise<void> {
  const { rpc, book, token } = context;
  const listed = await rpc.ok('tokens:list', {});
  // The module as the token layer names it (its real path, a symlink resolved).
  const module = listed.tokens.find((t) => t.serial === token.serial)?.module;
  if (module === undefined) throw new Error('tokens:list does not show the test token');
  await rpc.fails('tokens:objects', {
    serial: token.serial,
    module,
    pin: book.get('wrong token PIN').fresh(),
  });
  await rpc.ok('tokens:objects', { serial: token.serial, module, pin: context.pin.fresh() });
  const slotKey = keyNamed(context, 'slot key');
  const ckaId = slotKey.location.kind === 'token' ? slotKey.location.ckaId : '';
  await rpc.ok('tokens:import-certificate', {
    serial: token.serial,
    module,
    pin: context.pin.fresh(),
    keyId: ckaId,
    certificate: new Uint8Array(await certificateFor(slotKey.publicKey ?? '', 'CN=Slot key')),
  });
  const changed = book.addText('changed token PIN', 'user-pin-changed-58c3');
  await rpc.ok('tokens:change-pin', {
    serial: token.serial,
    module,
    pin: context.pin.fresh(),
    newPin: changed.fresh(),
  });
  const unblocked = book.addText('unblocked token PIN', 'user-pin-unblocked-a06e');
  await rpc.fails('tokens:unblock-pin', {
    serial: token.serial,
    module,
    soPin: book.get('wrong token PIN').fresh(),
    newPin: unblocked.fresh(),
  });
  await rpc.ok('tokens:unblock-pin', {
    serial: token.serial,
    module,
    soPin: book.get('token SO PIN').fresh(),
    newPin: unblocked.fresh(),
  });
  context.pin = unblocked;

  const inserted = rpc.events('tokens:changed').length;
  const initSoPin = book.addText('new token SO PIN', 'so-pin-of-new-token-e71b');
  const initPin = book.addText('new token user PIN', 'user-pin-of-new-token-0c5d');
  await rpc.ok('tokens:init', {
    module,
    label: 'kw-nosecret-new',
    soPin: initSoPin.fresh(),
    pin: initPin.fresh(),
  });
  // The layer looks for tokens coming and going each second, once no session is held.
  await rpc.ok('vault:lock', {});
  for (let waited = 0; rpc.events('tokens:changed').length === inserted; waited += 100) {
    if (waited > 10_000) throw new Error('no tokens:changed event after tokens:init');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await unlockAfresh(context);

  const { text } = await rpc.ok('keys:export-public', {
    id: keyNamed(context, 'imported p256').id,
    format: 'pem',
  });
  await rpc.ok('clipboard:copy-text', { text });
  const policy = await rpc.ok('policy:show', {});
  await rpc.ok('policy:set', { table: policy });
  await rpc.ok('policy:reset', {});
  await rpc.ok('inventory:export', { format: 'cbom' });
}

/** The audit log read whole, then the vault locked (vault:locked) and a locked channel refused. */
export async function lockedAtLast(context: ScenarioContext): Promise<void> {
  const { rpc, path } = context;
  await rpc.ok('audit:list', {});
  await rpc.ok('vault:lock', {});
  await rpc.fails('keys:list', {});
  await rpc.fails('keys:list-summaries', {});
  await rpc.ok('audit:list', { path });
  await rpc.ok('audit:verify', { path });
}
