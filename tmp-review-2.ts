import { generateKey } from './electron/core/inventory/key-creation.ts';
import { destroyKey } from './electron/core/inventory/key-destruction.ts';
import { transitionKey, showKey, KEYS } from './electron/core/inventory/key-inventory.ts';
import { rewrapDataKeys, rotateKey } from './electron/core/inventory/key-rotation.ts';
import { kwpUnwrap, kwpWrap } from './electron/core/crypto/key-wrap.ts';
import { registerPeople } from './test/helpers/inventory-fixture.ts';
import { makeVault, tempDir, unlockVault } from './test/helpers/vault-fixture.ts';

console.log('kwpUnwrap empty', kwpUnwrap(Buffer.alloc(32), Buffer.alloc(0)));
try { console.log('kwpWrap empty', kwpWrap(Buffer.alloc(32), Buffer.alloc(0))); } catch (e: any) { console.log('kwpWrap empty throws', e.code); }
const dir = tempDir('kw-review-');
await makeVault(dir.file('v.kw'));
const vault = await unlockVault(dir.file('v.kw'));
registerPeople(vault, [['Alice', ['officer']], ['Bob', ['custodian', 'witness']], ['Dan', ['witness']]]);
const now = new Date('2026-11-22T12:00:00Z');
const entry = { owner: 'Alice', custodians: ['Bob'] };
const tryIt = async (label: string, f: () => unknown) => {
  try { const r: any = await f(); console.log('OK  ', label, r?.rewrapped ?? r?.id ?? ''); return r; }
  catch (e: any) { console.log('ERR ', label, e.code ?? e.constructor.name, '-', e.message); }
};
const kekA = await generateKey(vault, 'Alice', { name: 'kekA', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry }, now);
const dk = await generateKey(vault, 'Alice', { name: 'dkA', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: kekA.id }, now);
transitionKey(vault, 'Alice', dk.id, 'compromised', 'leak', now);
await tryIt('destroy dk', () => destroyKey(vault, 'Alice', dk.id, { authorisedBy: 'Bob', witness: 'Dan' }, now));
const size = () => vault.query((r) => { const b = r.readBody(KEYS, dk.id); const n = b.length; b.fill(0); return n; });
console.log('dk body bytes after destroy', size(), 'wrappedBy', showKey(vault, dk.id).wrappedBy);
await tryIt('rotate kekA', () => rotateKey(vault, 'Alice', kekA.id, {}, now));
const d2 = showKey(vault, dk.id);
console.log('dk after rotation: state', d2.state, 'wrappedBy', d2.wrappedBy, 'changes', JSON.stringify(d2.changes), 'body bytes', size());

// compromised kek rotation
const kekC = await generateKey(vault, 'Alice', { name: 'kekC', algorithm: 'aes256', purposes: ['wrap','unwrap'], ...entry }, now);
const dkC = await generateKey(vault, 'Alice', { name: 'dkC', algorithm: 'aes256', purposes: ['encrypt','decrypt'], ...entry, wrappedBy: kekC.id }, now);
transitionKey(vault, 'Alice', kekC.id, 'compromised', 'leak', now);
await tryIt('rotate compromised kekC', () => rotateKey(vault, 'Alice', kekC.id, {}, now));
const c = showKey(vault, kekC.id);
console.log('kekC after failed rotate: state', c.state, 'successor', c.successor, ' dkC wrappedBy', showKey(vault, dkC.id).wrappedBy === kekC.id ? 'kekC (old)' : 'new');
await tryIt('rewrap kekC', () => rewrapDataKeys(vault, 'Alice', kekC.id, now));
await tryIt('destroy compromised kekC', () => destroyKey(vault, 'Alice', kekC.id, { authorisedBy: 'Bob', witness: 'Dan' }, now));
await tryIt('read dkC (encrypt)', async () => (await import('./electron/core/inventory/key-ciphers.ts')).encryptWithKey(vault, 'Alice', dkC.id, Buffer.from('x')));
vault.lock('tester');
dir.cleanup();
