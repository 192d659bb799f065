import type { GraphiQLPlugin } from '@graphiql/react';
import { EXPLAIN_HEADER } from './fetcher';
import { useExplainWanted, useLastRun, type RunStore } from './run';

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(2)} MB`);
const millis = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`);

function CostIcon() {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <ellipse cx="12" cy="6" rx="7" ry="3" />
      <path d="M5 6v6c0 1.7 3.1 3 7 3s7-1.3 7-3V6M5 12v6c0 1.7 3.1 3 7 3s7-1.3 7-3v-6" />
    </svg>
  );
}

/** The cost of the last run: the statements the registry ran for it, in order, with their time, the executor that answered, and the answer's size. */
function CostPanel({ runs, production }: { runs: RunStore; production: boolean }) {
  const run = useLastRun(runs);
  const explainWanted = useExplainWanted(runs);
  const explain = run?.body.extensions?.explain;
  const refusal = run?.explainAsked && !explain ? run.body.errors?.[0] : undefined;
  const databaseMs = explain?.ms?.reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
  return (
    <section className="registry-panel registry-cost" aria-label="Cost of the last run">
      <div className="graphiql-doc-explorer-title">Cost</div>
      <label className="registry-toggle">
        <input type="checkbox" checked={explainWanted} onChange={(event) => runs.setExplain(event.target.checked)} />
        <span>
          Ask for each run's statements <code>{EXPLAIN_HEADER}</code>
        </span>
      </label>
      {production && <p className="registry-note">This registry runs in production: statements are shown to callers with an API key (add <code>Authorization: Bearer …</code> under Headers).</p>}
      {!run && <p className="registry-note">Run an operation to see what it cost.</p>}
      {run && (
        <>
          <dl className="registry-facts">
            <dt>Operation</dt>
            <dd data-fact="operation">{run.operationName ?? 'anonymous'}</dd>
            <dt>Statements</dt>
            <dd data-fact="statements">{explain ? explain.sql.length : '–'}</dd>
            <dt>Executor</dt>
            <dd data-fact="executor">{explain ? explain.executor : '–'}</dd>
            <dt>Database time</dt>
            <dd data-fact="database-ms">{explain ? millis(databaseMs) : '–'}</dd>
            <dt>Response size</dt>
            <dd data-fact="bytes">{bytes(run.bytes)}</dd>
            <dt>Round trip</dt>
            <dd data-fact="round-trip">{millis(run.ms)}</dd>
          </dl>
          {refusal && (
            <p className="registry-refusal" role="alert">
              Statements refused ({refusal.extensions?.code ?? 'error'}): {refusal.message}
            </p>
          )}
          {!run.explainAsked && <p className="registry-note">Statements were not asked for on this run.</p>}
          {explain && explain.sql.length === 0 && <p className="registry-note">No statement ran: the answer came from memory.</p>}
          {explain && explain.sql.length > 0 && (
            <ol className="registry-statements">
              {explain.sql.map((sql, i) => (
                <li key={i}>
                  <span className="registry-statement-ms">{millis(explain.ms?.[i])}</span>
                  <pre>{sql}</pre>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

export function costPlugin(runs: RunStore, production: boolean): GraphiQLPlugin {
  return { title: 'Cost of the last run', icon: CostIcon, content: () => <CostPanel runs={runs} production={production} /> };
}
