import { useState } from 'react';
import type { VaultHeader } from '../../../../electron/shared/vault-types.ts';
import { ask, keywarden, useQuery } from '../../api.ts';
import { ErrorNote, Progress } from '../../components/notes.tsx';
import { AddSlotDialog } from './AddSlotDialog.tsx';
import { ChangePassphraseDialog } from './ChangePassphraseDialog.tsx';
import { ModalDialog } from '../../components/Dialog.tsx';
import { RemoveSlotDialog, RenameSlotDialog } from './SlotDialogs.tsx';
import { createdWords, slotFactorWords, slotKindWords } from './slot-words.ts';

// The vault's unlock slots, read from its public header, and the changes to them: add a
// slot, name one, remove one, change the vault passphrase. Each change reads the header again.

export function SlotsSection({ vault }: { vault: VaultHeader }) {
  const read = useQuery(() => ask(keywarden().vault.readHeader({ path: vault.path })));
  // The header the app opened with stands in until the first read answers.
  const header = read.data ?? vault;
  const [said, setSaid] = useState('');
  const done = (words: string) => {
    setSaid(words);
    read.reload();
  };

  return (
    <section aria-labelledby="slots-title" className="card">
      <h2 id="slots-title">Unlock slots</h2>
      <p className="hint">
        Each slot opens the vault on its own: keep a passphrase or recovery slot beside any device
        slot. Changes need a fresh unlock: the current passphrase, once two minutes have passed.
      </p>
      {read.loading && !read.data && <Progress label="Reading the vault's unlock slots…" />}
      <ErrorNote error={read.error} />
      <table className="table settings-slots">
        <thead>
          <tr>
            <th scope="col">Slot</th>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Opened by</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {header.slots.map((slot) => (
            <tr key={slot.slotId}>
              <td>#{slot.slotId}</td>
              <td>{slotKindWords(slot)}</td>
              <td>{slot.name ?? <span className="hint">none</span>}</td>
              <td>
                <ul className="settings-factor-list">
                  {slotFactorWords(slot).map((words) => (
                    <li key={words}>{words}</li>
                  ))}
                </ul>
              </td>
              <td>{createdWords(slot.createdAt)}</td>
              <td className="settings-row-actions">
                <ModalDialog
                  opener="Rename"
                  openerLabel={`Rename slot #${slot.slotId}`}
                  title={`Rename slot #${slot.slotId}`}
                >
                  {(close) => (
                    <RenameSlotDialog header={header} slot={slot} close={close} onDone={done} />
                  )}
                </ModalDialog>
                <ModalDialog
                  opener="Remove"
                  openerLabel={`Remove slot #${slot.slotId}`}
                  title={`Remove slot #${slot.slotId}`}
                >
                  {(close) => (
                    <RemoveSlotDialog header={header} slot={slot} close={close} onDone={done} />
                  )}
                </ModalDialog>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p role="status" className="kw-status">
        {said}
      </p>
      <div className="settings-actions">
        <ModalDialog opener="Add an unlock slot…" tone="primary" title="Add an unlock slot">
          {(close) => (
            <AddSlotDialog
              header={header}
              close={close}
              onAdded={(added) =>
                done(
                  `Added slot #${added.slotId}: ${added.factors.join(', ')}${added.threshold ? ` (any ${added.threshold})` : ''}.`,
                )
              }
            />
          )}
        </ModalDialog>
        <ModalDialog opener="Change the vault passphrase…" title="Change the vault passphrase">
          {(close) => <ChangePassphraseDialog header={header} close={close} onDone={done} />}
        </ModalDialog>
      </div>
    </section>
  );
}
