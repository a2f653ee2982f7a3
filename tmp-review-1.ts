import { generateKey, registerKey } from './electron/core/inventory/key-creation.ts';
import { destroyKey } from './electron/core/inventory/key-destruction.ts';
import { transitionKey, showKey, listKeys } from './electron/core/inventory/key-inventory.ts';
import { rewrapDataKeys, rotateKey } from './electron/core/inventory/key-rotation.ts';
import { setPolicy, updateKey } from './electron/core/inventory/key-edits.ts';
import { defaultPolicyTable } from './electron/core/inventory/crypto-periods.ts';
import { wrapWithKey } from './electron/core/inventory/key-ciphers.ts';
import { registerPeople } from './test/helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from './test/helpers/vault-fixture.ts';

const dir = tempDir('kw-review-');
await makeVault(dir.file('v.kw'));
const vault = await unlockVault(dir.file('v.kw'));
registerPeople(vault, [['Alice', ['officer']], ['Bob', ['custodian', 'witness']], ['Dan', ['witness']]]);
const now = new Date('2026-11-22T12:00:00Z');
const later = (d: number) => new Date(now.getTime() + d * 86_400_000);
const tryIt = async (label: string, f: () => unknown) => {
  try { const r = await f(); console.log('OK  ', label, typeof r === 'object' && r && 'id' in (r as any) ? (r as any).id : JSON.stringify(r)?.slice(0,150)); return r; }
  catch (e: any) { console.log('ERR ', label, e.code ?? e.constructor.name, '-', e.message); }
};
const entry = { owner: 'Alice', custodians: ['Bob'] };

// 1. nested KEK
const kek1 = await generateKey(vault, 'Alice', { name: 'kek1', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry }, now);
const kek2 = await generateKey(vault, 'Alice', { name: 'kek2 under kek1', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry, wrappedBy: kek1.id }, now) as any;
await tryIt('generate data key under nested kek2', () => generateKey(vault, 'Alice', { name: 'dk', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: kek2.id }, now));
await tryIt('wrapWithKey using nested kek2', () => wrapWithKey(vault, 'Alice', kek2.id, Buffer.alloc(32, 1)));

// 2. token-registered aes KEK
const tok = await tryIt('register token aes kek', () => registerKey(vault, 'Alice', { name: 'tok kek', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry, location: { kind: 'token', serial: 'S1', ckaId: '01' } }, now)) as any;
if (tok) await tryIt('generate data key under token kek', () => generateKey(vault, 'Alice', { name: 'dk2', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: tok.id }, now));

// 3. destroyed data key blocks KEK rotation rewrap and KEK destruction
const kekA = await generateKey(vault, 'Alice', { name: 'kekA', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry }, now);
const dk = await generateKey(vault, 'Alice', { name: 'dkA', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: kekA.id }, now);
transitionKey(vault, 'Alice', dk.id, 'compromised', 'leak', now);
await tryIt('destroy compromised dk', () => destroyKey(vault, 'Alice', dk.id, { authorisedBy: 'Bob', witness: 'Dan' }, now));
await tryIt('rotate kekA (dk destroyed)', () => rotateKey(vault, 'Alice', kekA.id, {}, now));
await tryIt('rewrap kekA', () => rewrapDataKeys(vault, 'Alice', kekA.id, now));
console.log('kekA state', showKey(vault, kekA.id).state, 'successor', showKey(vault, kekA.id).successor);
const kekB = await generateKey(vault, 'Alice', { name: 'kekB', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry }, now);
const dkB = await generateKey(vault, 'Alice', { name: 'dkB', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: kekB.id }, now);
transitionKey(vault, 'Alice', dkB.id, 'compromised', 'leak', now);
await tryIt('destroy dkB', () => destroyKey(vault, 'Alice', dkB.id, { authorisedBy: 'Bob', witness: 'Dan' }, now));
transitionKey(vault, 'Alice', kekB.id, 'deactivated', 'done', now);
await tryIt('schedule destroy kekB (only destroyed dk under it)', () => destroyKey(vault, 'Alice', kekB.id, { authorisedBy: 'Bob', witness: 'Dan' }, now));

// 4. compromised signing key rotation
const sig = await generateKey(vault, 'Alice', { name: 'sig', algorithm: 'ed25519', purposes: ['sign','verify'], ...entry }, now);
transitionKey(vault, 'Alice', sig.id, 'compromised', 'leak', now);
const r = await tryIt('rotate compromised signing', () => rotateKey(vault, 'Alice', sig.id, {}, now)) as any;
if (r) console.log('  compromised predecessor publishedUntil', r.predecessor.publishedUntil, r.predecessor.state);

// 5. suspended rotation
const s2 = await generateKey(vault, 'Alice', { name: 'sig2', algorithm: 'ed25519', purposes: ['sign','verify'], ...entry }, now);
transitionKey(vault, 'Alice', s2.id, 'suspended', 'pause', now);
await tryIt('rotate suspended', () => rotateKey(vault, 'Alice', s2.id, {}, now));

// 6. data key rotation when KEK newest version is not active
const kekC = await generateKey(vault, 'Alice', { name: 'kekC', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry }, now);
const dkC = await generateKey(vault, 'Alice', { name: 'dkC', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: kekC.id }, now);
transitionKey(vault, 'Alice', kekC.id, 'suspended', 'pause', now);
await tryIt('rotate dk under suspended kek', () => rotateKey(vault, 'Alice', dkC.id, {}, now));
// rotating a compromised KEK then data key
transitionKey(vault, 'Alice', kekC.id, 'compromised', 'leak', now);
const rc = await tryIt('rotate compromised kekC', () => rotateKey(vault, 'Alice', kekC.id, {}, now)) as any;
if (rc) console.log('  rewrapped', rc.rewrapped, 'dkC wrappedBy', showKey(vault, dkC.id).wrappedBy);

// 7. policy set with default table
await tryIt('setPolicy(default)', () => setPolicy(vault, 'Alice', defaultPolicyTable()));
const t = defaultPolicyTable(); t.rows = t.rows.filter((row) => row.id !== 'public-authorization');
await tryIt('setPolicy(without public-authorization)', () => setPolicy(vault, 'Alice', t));

// 8. registerKey location with weird kind
await tryIt('register loc kind cloud', () => registerKey(vault, 'Alice', { name: 'x', algorithm: 'p256', purposes: ['sign'], ...entry, location: { kind: 'cloud' } as any }, now));
await tryIt('register ext ref leading spaces', () => registerKey(vault, 'Alice', { name: 'x', algorithm: 'p256', purposes: ['sign'], ...entry, location: { kind: 'external', reference: '   ' } }, now));

// 9. listKeys published false
console.log('published:false count', listKeys(vault, { published: false }, now).length, 'all', listKeys(vault, {}, now).length);

// 10. update key that's a tier-1 token key
const t1 = await tryIt('register tier1 token', () => registerKey(vault, 'Alice', { name: 'root', algorithm: 'p384', purposes: ['sign'], ...entry, tier: 1, location: { kind: 'token', serial: 'S1', ckaId: '02' } }, now)) as any;
if (t1) await tryIt('update tier1 token notes', () => updateKey(vault, 'Alice', t1.id, { notes: 'x' }, 'why', now));

vault.lock('tester');
dir.cleanup();
