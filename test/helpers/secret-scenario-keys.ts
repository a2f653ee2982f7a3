import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { RequestOf } from '../../electron/shared/contract.ts';
import { encryptedPkcs8Der, opensshPrivateKey, pem } from './key-file-samples.ts';
import { keyNamed } from './secret-scenario.ts';
import type { ScenarioContext } from './secret-scenario.ts';
import type { SecretBook } from './secret-scan.ts';

// Keys made here and imported (so their private parts are known and seeded), and keys the vault
// generates whose private part the test learns through an encrypted export; then every key
// channel on them: sign, verify, CSR, certificate, update, transition, destroy and cancel,
// rotate and rewrap, register and public export.

const b64u = (value: unknown) => Buffer.from(String(value), 'base64url');

/** Seeds an asymmetric private key in every form it has: the private numbers, PKCS#8 DER and PEM. */
export function seedPrivateKey(book: SecretBook, name: string, key: KeyObject): void {
  const jwk = key.export({ format: 'jwk' });
  for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
    if (jwk[part] !== undefined) book.addBytes(`${name} private ${part}`, b64u(jwk[part]));
  }
  const der = key.export({ type: 'pkcs8', format: 'der' });
  // The DER holds the public key too (and an RSA key's modulus): only the whole is a leak.
  book.addBytes(`${name} PKCS#8 DER`, der, { mixed: true });
  book.addText(`${name} PKCS#8 PEM`, pem('PRIVATE KEY', der));
}

const owned = { owner: 'Alice', tier: 3 } as const;

/** Imports known keys (OpenSSH, encrypted PKCS#8, PKCS#8 PEM, a JWK secret), generates others, and runs the key channels. */
export async function importedAndGeneratedKeys(context: ScenarioContext): Promise<void> {
  const { rpc, book, keys } = context;
  const ed25519 = generateKeyPairSync('ed25519').privateKey;
  seedPrivateKey(book, 'imported ed25519', ed25519);
  const openssh = book.addText('imported ed25519 OpenSSH file', opensshPrivateKey(ed25519));
  keys.set(
    'imported ed25519',
    await rpc.ok('keys:import', {
      file: openssh.fresh(),
      name: 'imported ed25519',
      purposes: ['sign'],
      ...owned,
    }),
  );

  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  seedPrivateKey(book, 'imported p256', p256);
  const filePassphrase = book.addText('key file passphrase', 'key file passphrase, naïve 40f2');
  const encrypted = pem(
    'ENCRYPTED PRIVATE KEY',
    encryptedPkcs8Der(p256.export({ type: 'pkcs8', format: 'der' }), filePassphrase.bytes, {
      kind: 'pbkdf2',
      iterations: 2048,
    }),
  );
  await rpc.fails('keys:import', {
    file: Buffer.from(encrypted),
    passphrase: book.get('wrong vault passphrase').fresh(),
    purposes: ['sign'],
    ...owned,
  });
  keys.set(
    'imported p256',
    await rpc.ok('keys:import', {
      file: Buffer.from(encrypted),
      passphrase: filePassphrase.fresh(),
      name: 'imported p256',
      purposes: ['sign'],
      ...owned,
    }),
  );

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  seedPrivateKey(book, 'imported rsa2048', rsa);
  keys.set(
    'imported rsa2048',
    await rpc.ok('keys:import', {
      file: book.get('imported rsa2048 PKCS#8 PEM').fresh(),
      name: 'imported rsa2048',
      purposes: ['sign'],
      ...owned,
    }),
  );

  const aes = book.addBytes('imported AES key', randomBytes(32));
  const jwk = JSON.stringify({ kty: 'oct', alg: 'A256GCM', k: aes.bytes.toString('base64url') });
  keys.set(
    'imported aes256',
    await rpc.ok('keys:import', {
      file: book.addText('imported AES key JWK', jwk).fresh(),
      name: 'imported aes256',
      purposes: ['encrypt'],
      ...owned,
    }),
  );

  const generate = async (
    name: string,
    request: Omit<RequestOf<'keys:generate'>, 'name' | 'owner'>,
  ) => {
    const key = await rpc.ok('keys:generate', { name, ...owned, ...request });
    keys.set(name, key);
    return key;
  };
  const signer = await generate('ceremony signer', { algorithm: 'ed25519', purposes: ['sign'] });
  await generate('zone master', { algorithm: 'aes256', purposes: ['encrypt'] });
  const kek = await generate('kek', { algorithm: 'aes256', purposes: ['wrap', 'unwrap'] });
  await generate('dek', { algorithm: 'aes256', purposes: ['encrypt'], wrappedBy: kek.id });

  // The generated signer's private key, learnt through its encrypted export.
  const exportPassphrase = book.addText('export passphrase', 'export passphrase, café 1b2c');
  await rpc.fails('keys:export-private', {
    id: signer.id,
    vaultPassphrase: book.get('wrong vault passphrase').fresh(),
    exportPassphrase: exportPassphrase.fresh(),
  });
  const exported = await rpc.ok('keys:export-private', {
    id: signer.id,
    vaultPassphrase: context.passphrase.fresh(),
    exportPassphrase: exportPassphrase.fresh(),
  });
  const signerKey = createPrivateKey({ key: exported.pem, passphrase: exportPassphrase.bytes });
  seedPrivateKey(book, 'generated ed25519 signer', signerKey);

  await keyChannels(context);
}

/** Every key channel not used above, on the keys made there. */
async function keyChannels(context: ScenarioContext): Promise<void> {
  const { rpc } = context;
  const rsa = keyNamed(context, 'imported rsa2048');
  const p256 = keyNamed(context, 'imported p256');
  const ed25519 = keyNamed(context, 'imported ed25519');
  await rpc.ok('keys:list', {});
  // The inventory's light listing, and its scan's keys:list-progress events.
  await rpc.ok('keys:list-summaries', {});
  await rpc.ok('keys:show', { id: rsa.id });
  await rpc.ok('keys:update', { id: rsa.id, reason: 'note', notes: 'imported for the scan' });
  const data = Buffer.from('signed over IPC');
  const { signature } = await rpc.ok('keys:sign', { id: rsa.id, data, rsaPadding: 'pss' });
  await rpc.ok('keys:verify', {
    id: rsa.id,
    data,
    signature: new Uint8Array(signature),
    rsaPadding: 'pss',
  });
  await rpc.ok('keys:sign-many', { id: p256.id, data: [data, Buffer.from('and again')] });
  const subject = { commonName: 'scan.example' };
  await rpc.ok('keys:csr', { id: p256.id, subject });
  await rpc.ok('keys:certificate', { id: p256.id, subject, days: 30 });
  for (const format of ['pem', 'openssh', 'jwk'] as const)
    await rpc.ok('keys:export-public', { id: ed25519.id, format });

  const outside = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
  await rpc.ok('keys:register', {
    name: 'held elsewhere',
    location: { kind: 'external', reference: 'hsm://elsewhere/1' },
    publicKeyFile: Buffer.from(outside.export({ type: 'spki', format: 'pem' })),
    purposes: ['verify'],
    ...owned,
  });

  await rpc.ok('keys:transition', { id: ed25519.id, to: 'deactivated', reason: 'superseded' });
  await rpc.ok('keys:destroy', {
    id: ed25519.id,
    authorisedBy: 'Alice',
    witness: 'Wendy',
    afterDays: 7,
  });
  await rpc.ok('keys:cancel-destroy', { id: ed25519.id });

  const rotated = await rpc.ok('keys:rotate', { id: keyNamed(context, 'kek').id, reason: 'due' });
  if (rotated.rewrapped !== 1) throw new Error(`the KEK's rotation rewrapped ${rotated.rewrapped}`);
  await rpc.ok('keys:rewrap', { id: rotated.key.id });
}
