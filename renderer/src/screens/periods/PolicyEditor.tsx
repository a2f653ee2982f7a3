import { useState } from 'react';
import { Button, DialogTrigger, FieldError, Input, NumberField } from 'react-aria-components';
import type { PolicyRow, PolicyTable } from '../../../../electron/shared/inventory-types.ts';
import { ask, keywarden, useAction } from '../../api.ts';
import { DialogButtons, DialogFrame } from '../../components/Dialog.tsx';
import { ErrorNote, Progress } from '../../components/notes.tsx';

// The vault's crypto-period table, editable: months for each key type's originator usage and
// for the recipient usage that follows it, within the schema's limits (policyRowSchema). A value
// outside them is refused on its field, never adjusted; the service checks the whole table
// again and refuses it with POLICY_INVALID, naming the row.

interface Limits {
  min: number;
  max: number;
  /** Whether an empty field is allowed (null: no originator use). */
  nullable: boolean;
}

/** The schema's limits (policy-schema.ts policyRowSchema). */
const ORIGINATOR: Limits = { min: 1, max: 600, nullable: true };
const RECIPIENT: Limits = { min: 0, max: 600, nullable: false };

/** What is wrong with a months value (NaN: the field is empty), or null when nothing is. */
function limitProblem(value: number | null, limits: Limits): string | null {
  if (value === null || Number.isNaN(value))
    return limits.nullable ? null : `Give ${limits.min} to ${limits.max} months.`;
  if (!Number.isInteger(value) || value < limits.min || value > limits.max)
    return `${limits.min} to ${limits.max} whole months${limits.nullable ? ', or empty' : ''}.`;
  return null;
}

const rowProblems = (row: PolicyRow) =>
  limitProblem(row.originatorMonths, ORIGINATOR) ??
  limitProblem(row.recipientExtraMonths, RECIPIENT);

/** "36 months (3 years)", "18 months". */
function monthsInWords(months: number): string {
  const base = `${months} month${months === 1 ? '' : 's'}`;
  if (months >= 12 && months % 12 === 0) {
    const years = months / 12;
    return `${base} (${years} year${years === 1 ? '' : 's'})`;
  }
  return base;
}

/** The row a POLICY_INVALID message names ("rows.3 …"), if it names one. */
function badRowIndex(message: string | undefined): number | null {
  const match = /\brows\.(\d+)\b/.exec(message ?? '');
  return match ? Number(match[1]) : null;
}

const sameRow = (a: PolicyRow, b: PolicyRow | undefined) =>
  b !== undefined &&
  a.originatorMonths === b.originatorMonths &&
  a.recipientExtraMonths === b.recipientExtraMonths;

/** A months field for one cell: empty is null where the limits allow it, else a problem. */
function MonthsField(props: {
  label: string;
  value: number | null;
  limits: Limits;
  /** The service refused this row. */
  refused: boolean;
  onChange: (value: number | null) => void;
}) {
  const { label, value, limits, refused, onChange } = props;
  const problem = limitProblem(value, limits);
  return (
    <NumberField
      className="policy-months"
      aria-label={label}
      value={value ?? Number.NaN}
      step={1}
      isInvalid={refused || problem !== null}
      formatOptions={{ maximumFractionDigits: 0, useGrouping: false }}
      onChange={(next) => onChange(Number.isNaN(next) && limits.nullable ? null : next)}
    >
      <Input className="input policy-months-input" />
      {problem && <FieldError className="field-error policy-limit">{problem}</FieldError>}
    </NumberField>
  );
}

export function PolicyEditor({
  table,
  onSaved,
}: {
  table: PolicyTable;
  onSaved: (table: PolicyTable) => void;
}) {
  const [rows, setRows] = useState<PolicyRow[]>(table.rows);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const changed = rows.filter((row, i) => !sameRow(row, table.rows[i])).length;
  const outOfLimits = rows.filter((row) => rowProblems(row) !== null).length;

  const save = useAction(async () => ask(keywarden().policy.set({ table: { ...table, rows } })));
  const reset = useAction(async () => ask(keywarden().policy.reset({})));
  const error = save.error ?? reset.error;
  const badRow = save.error?.code === 'POLICY_INVALID' ? badRowIndex(save.error.message) : null;
  const busy = save.busy || reset.busy;

  const edit = (index: number, change: Partial<PolicyRow>) => {
    setSavedNote(null);
    save.clear();
    setRows((all) => all.map((row, i) => (i === index ? { ...row, ...change } : row)));
  };

  const saved = (next: PolicyTable | undefined, words: string) => {
    if (!next) return;
    setRows(next.rows);
    setSavedNote(words);
    onSaved(next);
  };

  return (
    <section className="card policy" aria-labelledby="policy-heading">
      <h2 id="policy-heading">The crypto-period policy</h2>
      <p className="policy-source">
        <span className="policy-source-label">Source:</span> {table.source}
      </p>
      {table.note && <p className="hint policy-note">{table.note}</p>}
      <p className="note policy-scope">
        Keys already in the inventory keep the periods they were given. Keys generated, activated or
        rotated after a change get the new periods. Only an officer may change the policy.
      </p>
      <table className="table policy-table">
        <caption className="visually-hidden">Crypto-periods by key type, in months</caption>
        <thead>
          <tr>
            <th scope="col">NIST row</th>
            <th scope="col">Key type</th>
            <th scope="col">NIST guidance</th>
            <th scope="col">Originator usage (months)</th>
            <th scope="col">Recipient usage after it (months)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => {
            const before = table.rows[index];
            const rowChanged = !sameRow(row, before);
            const invalid = badRow === index;
            return (
              <tr
                key={row.id}
                data-row-id={row.id}
                className={invalid ? 'policy-row-invalid' : rowChanged ? 'policy-row-changed' : ''}
              >
                <td>{row.nistRow}</td>
                <th scope="row">
                  {row.title}
                  {rowChanged && <span className="badge badge-warn policy-changed">Edited</span>}
                </th>
                <td className="policy-guidance">{row.guidance}</td>
                <td>
                  <MonthsField
                    label={`Originator usage of ${row.title}, in months`}
                    value={row.originatorMonths}
                    limits={ORIGINATOR}
                    refused={invalid}
                    onChange={(value) => edit(index, { originatorMonths: value })}
                  />
                  {limitProblem(row.originatorMonths, ORIGINATOR) === null && (
                    <span className="hint policy-words">
                      {row.originatorMonths === null
                        ? 'None: no originator use'
                        : monthsInWords(row.originatorMonths)}
                    </span>
                  )}
                </td>
                <td>
                  <MonthsField
                    label={`Recipient usage of ${row.title} after its originator usage, in months`}
                    value={row.recipientExtraMonths}
                    limits={RECIPIENT}
                    refused={invalid}
                    onChange={(value) => edit(index, { recipientExtraMonths: value ?? Number.NaN })}
                  />
                  {limitProblem(row.recipientExtraMonths, RECIPIENT) === null && (
                    <span className="hint policy-words">
                      {monthsInWords(row.recipientExtraMonths)}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">
        Originator usage: 1 to 600 months, or empty for a key type with no originator use. Recipient
        usage: 0 to 600 months more.
      </p>
      {table.excluded && table.excluded.length > 0 && (
        <>
          <h3>Not in this table</h3>
          <ul className="policy-excluded">
            {table.excluded.map((row) => (
              <li key={row.nistRow}>
                NIST row {row.nistRow}, {row.title}: {row.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {busy && <Progress label={save.busy ? 'Saving the policy…' : 'Restoring the defaults…'} />}
      <ErrorNote error={error} />
      {badRow !== null && rows[badRow] && (
        <p className="field-error policy-bad-row">
          The row in question is “{rows[badRow].title}” (NIST row {rows[badRow].nistRow}), marked in
          red above.
        </p>
      )}
      {savedNote && (
        <p className="note policy-saved" role="status">
          {savedNote}
        </p>
      )}
      <div className="policy-actions">
        <Button
          className="button button-primary"
          isDisabled={busy || changed === 0 || outOfLimits > 0}
          onPress={() =>
            void save
              .run()
              .then((next) =>
                saved(
                  next,
                  `Saved: ${changed} row${changed === 1 ? '' : 's'} changed. New and newly activated keys get these periods.`,
                ),
              )
          }
        >
          Save the policy
        </Button>
        <Button
          className="button"
          isDisabled={busy || changed === 0}
          onPress={() => {
            save.clear();
            setRows(table.rows);
          }}
        >
          Discard changes
        </Button>
        <span className="policy-pending hint" aria-live="polite">
          {outOfLimits > 0
            ? `${outOfLimits} row${outOfLimits === 1 ? ' is' : 's are'} outside the limits; correct ${outOfLimits === 1 ? 'it' : 'them'} to save.`
            : changed === 0
              ? 'No unsaved changes.'
              : `${changed} row${changed === 1 ? '' : 's'} edited, not saved.`}
        </span>
        <DialogTrigger>
          <Button className="button button-quiet policy-reset" isDisabled={busy}>
            Reset to NIST defaults…
          </Button>
          <DialogFrame title="Reset the policy to the NIST defaults?" size="alert" alert>
            {(close) => (
              <>
                <p>
                  Every row goes back to NIST SP 800-57 Part 1 Table 1 as Keywarden ships it, and
                  any unsaved edits are dropped. Keys already in the inventory keep their periods.
                </p>
                <DialogButtons close={close} autoFocusClose>
                  <Button
                    className="button button-danger"
                    onPress={() => {
                      close();
                      save.clear();
                      void reset
                        .run()
                        .then((next) => saved(next, 'Restored the NIST SP 800-57 defaults.'));
                    }}
                  >
                    Reset to defaults
                  </Button>
                </DialogButtons>
              </>
            )}
          </DialogFrame>
        </DialogTrigger>
      </div>
    </section>
  );
}
