import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRider } from '../../../electron/core/vault/transaction-riders.ts';
import type { UnlockedVault } from '../../../electron/core/vault/vault.ts';
import { makeVault, tempDir, unlockVault } from '../../helpers/vault-fixture.ts';
import type { TempDir } from '../../helpers/vault-fixture.ts';

// Riders: a change that commits in the same transaction as the next audited change made by
// the work it rides with, and only that work's; nothing of it when that change fails.

let dir: TempDir;
let vault: UnlockedVault;
const event = { actor: 'tester', action: 'test.change', target: 't', outcome: 'success' as const };
const ids = () => vault.query((records) => records.list('rides').map((r) => r.recordId));
const put = (id: string) =>
  vault.apply(event, (records) => records.put('rides', id, {}, Buffer.alloc(0)));

beforeAll(async () => {
  dir = tempDir('keywarden-riders-');
  await makeVault(dir.file('v.kw'));
  vault = await unlockVault(dir.file('v.kw'));
});
afterAll(() => {
  vault.lock('tester');
  dir.cleanup();
});

describe('transaction riders', () => {
  it('commits with the first change the work makes, seeing what it returned; not with the second', async () => {
    const seen: unknown[] = [];
    const { value, carried } = await withRider(
      (records, returned) => {
        seen.push(returned);
        records.put('rides', 'rider-1', {}, Buffer.alloc(0));
      },
      async () => {
        put('work-1');
        put('work-2');
        return 'done';
      },
    );
    expect({ value, carried }).toEqual({ value: 'done', carried: true });
    expect(seen).toHaveLength(1);
    expect(ids()).toEqual(['rider-1', 'work-1', 'work-2']);
  });

  it('goes nowhere when the change fails, and is free for the next change', async () => {
    const { carried } = await withRider(
      (records) => records.put('rides', 'rider-2', {}, Buffer.alloc(0)),
      async () => {
        expect(() =>
          vault.apply(event, () => {
            throw new Error('refused');
          }),
        ).toThrow('refused');
        expect(ids()).not.toContain('rider-2');
        put('work-3');
      },
    );
    expect(carried).toBe(true);
    expect(ids()).toContain('rider-2');
  });

  it('is not taken by a change made outside the work, even while the work is waiting', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const riding = withRider(
      (records) => records.put('rides', 'rider-3', {}, Buffer.alloc(0)),
      async () => {
        await gate;
      },
    );
    put('outsider');
    release();
    const { carried } = await riding;
    expect(carried).toBe(false);
    expect(ids()).toContain('outsider');
    expect(ids()).not.toContain('rider-3');
  });

  it('rolls the whole transaction back when the rider itself fails', async () => {
    await expect(
      withRider(
        () => {
          throw new Error('rider failed');
        },
        async () => put('work-4'),
      ),
    ).rejects.toThrow('rider failed');
    expect(ids()).not.toContain('work-4');
  });

  it('waits for the change whose result it accepts, passing over the ones before', async () => {
    const seen: unknown[] = [];
    const { carried } = await withRider(
      (records, value) => {
        seen.push(value);
        records.put('rides', 'rider-5', {}, Buffer.alloc(0));
      },
      async () => {
        vault.apply(event, () => 'begun');
        expect(ids()).not.toContain('rider-5');
        vault.apply(event, () => 'finished');
      },
      (value) => value === 'finished',
    );
    expect(carried).toBe(true);
    expect(seen).toEqual(['finished']);
    expect(ids()).toContain('rider-5');
  });
});
