import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import type { AuditEntry } from '../../../../electron/shared/vault-types.ts';
import type { ErrorInfo } from '../../../../electron/shared/errors.ts';
import { ask, errorInfo, keywarden } from '../../api.ts';
import { ErrorNote, PageHeader, Progress } from '../../components/notes.tsx';
import type { ScreenProps } from '../screens.tsx';
import { AuditEntryDetail } from './AuditEntryDetail.tsx';
import { AuditFilters, EMPTY_FIELDS } from './AuditFilters.tsx';
import type { FilterFields } from './AuditFilters.tsx';
import { AuditLog, PAGE_SIZE } from './AuditLog.tsx';
import { ChainStatus } from './ChainStatus.tsx';
import type { Verified } from './ChainStatus.tsx';
import { actionsOf, actorsOf, isFiltering, matcher } from './audit-filters.ts';
import type { AuditFilter } from './audit-filters.ts';
import './audit.css';

// The audit log: the chain's status and a button to verify it, the entries newest first with
// filters, and the entry a person selects in full. The log is read in batches (it only grows),
// and later reads fetch only what was appended since.

/** Entries per audit:list call. */
const BATCH = 2000;

/** The last verification, per vault, so coming back to the screen still shows it until a lock. */
const lastVerified = new Map<string, Verified>();

interface LogState {
  /** Oldest first, as the log stores them. */
  entries: AuditEntry[];
  loading: boolean;
  error: ErrorInfo | null;
}

/** Reads the log, and what is appended to it later, in batches. */
function useAuditLog(): LogState & { readNew: () => Promise<void> } {
  const [state, setState] = useState<LogState>({ entries: [], loading: true, error: null });
  const entries = useRef<AuditEntry[]>([]);
  const reading = useRef<Promise<void> | null>(null);
  const mounted = useRef(true);

  const readNew = useCallback(() => {
    // One read at a time: a second request waits for the first and then reads what is left.
    const previous = reading.current ?? Promise.resolve();
    const next = previous.then(async () => {
      setState((s) => ({ ...s, loading: true, error: null }));
      try {
        for (;;) {
          const afterSeq = entries.current.at(-1)?.seq ?? 0;
          const batch = await ask(keywarden().audit.list({ afterSeq, limit: BATCH }));
          if (batch.length > 0) entries.current = [...entries.current, ...batch];
          if (mounted.current) setState({ entries: entries.current, loading: true, error: null });
          if (batch.length < BATCH) break;
        }
        if (mounted.current) setState({ entries: entries.current, loading: false, error: null });
      } catch (error) {
        if (mounted.current)
          setState({ entries: entries.current, loading: false, error: errorInfo(error) });
      }
    });
    reading.current = next;
    return next;
  }, []);

  useEffect(() => {
    mounted.current = true;
    void readNew();
    return () => {
      mounted.current = false;
    };
  }, [readNew]);

  return { ...state, readNew };
}

/** The filter the matcher takes, from the fields as the filter bar holds them. */
function filterOf(fields: FilterFields): AuditFilter {
  return {
    actor: fields.actor,
    action: fields.action,
    outcome: fields.outcome,
    text: fields.text,
    from: fields.from?.toString() ?? null,
    to: fields.to?.toString() ?? null,
  };
}

export function AuditScreen({ vault }: ScreenProps) {
  const log = useAuditLog();
  const [fields, setFields] = useState<FilterFields>(EMPTY_FIELDS);
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  /** An entry to bring into view and focus once its page is shown. */
  const [reveal, setReveal] = useState<number | null>(null);
  const [verified, setVerified] = useState<Verified | null>(
    () => lastVerified.get(vault.vaultId) ?? null,
  );
  const brokenAt =
    verified && !verified.result.intact ? (verified.result.firstBad?.seq ?? null) : null;

  const newestFirst = useMemo(() => [...log.entries].reverse(), [log.entries]);
  const filter = filterOf(fields);
  const filtering = isFiltering(filter);
  // Keyed by the filter's parts, not its identity: it is rebuilt on every render.
  const filterKey = JSON.stringify(filter);
  const shown = useMemo(
    () => newestFirst.filter(matcher(JSON.parse(filterKey) as AuditFilter)),
    [newestFirst, filterKey],
  );
  const actors = useMemo(() => actorsOf(log.entries), [log.entries]);
  const actions = useMemo(() => actionsOf(log.entries), [log.entries]);
  // The entry shown in full is the one selected, while the filters still show it.
  const entry = selected === null ? null : (shown.find((e) => e.seq === selected) ?? null);

  const changeFilter = (next: FilterFields) => {
    setFields(next);
    setPage(0);
  };

  /** Clears the filters and turns to the page that holds entry `seq`, selected. */
  const showEntry = (seq: number) => {
    const index = newestFirst.findIndex((e) => e.seq === seq);
    setFields(EMPTY_FIELDS);
    setPage(index < 0 ? 0 : Math.floor(index / PAGE_SIZE));
    setSelected(seq);
    setReveal(seq);
  };

  // Once the page with it is shown, the entry asked for gets the focus (and so comes into view).
  // The table builds its rows a render after its items change, so this looks for a few frames.
  useEffect(() => {
    if (reveal === null) return;
    let frame = 0;
    let tries = 0;
    const look = () => {
      const row = document.querySelector<HTMLElement>(`.audit-row[data-seq="${reveal}"]`);
      if (row) {
        row.focus();
        row.scrollIntoView({ block: 'center' });
        setReveal(null);
      } else if (++tries < 30) {
        frame = requestAnimationFrame(look);
      }
    };
    frame = requestAnimationFrame(look);
    return () => cancelAnimationFrame(frame);
  }, [reveal, page]);

  const emptyWords =
    log.entries.length === 0
      ? log.loading
        ? 'Reading the log…'
        : 'The log is empty.'
      : 'No entry matches these filters. Loosen one, or clear them all.';

  return (
    <div className="audit">
      <PageHeader title="Audit log">
        <span className="hint">
          Every operation on this vault — who, what, when and the outcome — hash-chained
        </span>
      </PageHeader>
      <ChainStatus
        last={verified}
        newest={log.entries.at(-1)}
        total={log.entries.length}
        onVerified={(done) => {
          lastVerified.set(vault.vaultId, done);
          setVerified(done);
          void log.readNew();
        }}
        onShowEntry={showEntry}
      />
      <section className="card" aria-labelledby="log-heading">
        <div className="audit-log-head">
          <h2 id="log-heading">Entries</h2>
          <span className="hint" data-testid="audit-count">
            {filtering
              ? `${shown.length.toLocaleString()} of ${log.entries.length.toLocaleString()} entries match`
              : `${log.entries.length.toLocaleString()} entries`}
          </span>
          <Button
            className="button audit-refresh"
            isDisabled={log.loading}
            onPress={() => void log.readNew()}
          >
            Read new entries
          </Button>
        </div>
        <AuditFilters fields={fields} actors={actors} actions={actions} onChange={changeFilter} />
        {log.loading && (
          <Progress
            label={`Reading the log… ${log.entries.length.toLocaleString()} entries so far`}
          />
        )}
        <ErrorNote error={log.error} />
        <div className="audit-body">
          <AuditLog
            entries={shown}
            page={page}
            onPage={setPage}
            selected={selected}
            onSelect={setSelected}
            brokenAt={brokenAt}
            emptyWords={emptyWords}
          />
          <AuditEntryDetail entry={entry} />
        </div>
      </section>
    </div>
  );
}
