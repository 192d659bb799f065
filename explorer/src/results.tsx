import type { GraphiQLPlugin } from '@graphiql/react';
import { useMemo, useState } from 'react';
import { BarChart } from './chart';
import { toCsv, type Cell } from './csv';
import { barsOf, findLists, sortRows, type ResultList } from './lists';
import { useLastRun, type RunStore } from './run';

function TableIcon() {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <rect x="3.5" y="4.5" width="17" height="15" rx="1.5" />
      <path d="M3.5 9.5h17M3.5 14.5h17M9.5 9.5v10" />
    </svg>
  );
}

/** Offers the file to the browser's downloads, named after the list. */
function download(list: ResultList, rows: Cell[][], operationName: string | undefined) {
  const blob = new Blob([toCsv(list.columns, rows)], { type: 'text/csv;charset=utf-8' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${[operationName, list.path].filter(Boolean).join('-').replace(/[^\p{L}\p{N}._-]+/gu, '_')}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

function ListView({ list, operationName }: { list: ResultList; operationName?: string }) {
  const [sort, setSort] = useState<{ column: number; direction: 'asc' | 'desc' } | undefined>();
  const [view, setView] = useState<'table' | 'chart'>('table');
  const rows = useMemo(() => (sort ? sortRows(list.rows, sort.column, sort.direction) : list.rows), [list, sort]);
  const bars = barsOf(list);
  const chart = useMemo(
    () => bars && { labels: rows.map((row) => String(row[bars.label] ?? '–')), values: rows.map((row) => Number(row[bars.value] ?? 0)) },
    [bars?.label, bars?.value, rows],
  );
  const sortBy = (column: number) => setSort((now) => ({ column, direction: now?.column === column && now.direction === 'asc' ? 'desc' : 'asc' }));
  return (
    <div className="registry-list">
      <div className="registry-actions">
        <button type="button" className="graphiql-button" aria-pressed={view === 'table'} onClick={() => setView('table')}>
          Table
        </button>
        {bars && (
          <button type="button" className="graphiql-button" aria-pressed={view === 'chart'} onClick={() => setView('chart')}>
            Chart
          </button>
        )}
        <button type="button" className="graphiql-button" onClick={() => download(list, rows, operationName)}>
          Download CSV
        </button>
        <span className="registry-note">{list.rows.length} rows</span>
      </div>
      {view === 'chart' && bars && chart ? (
        <BarChart title={`${list.columns[bars.value]} by ${list.columns[bars.label]}`} labels={chart.labels} values={chart.values} />
      ) : (
        <div className="registry-table-scroll">
          <table className="registry-table">
            <thead>
              <tr>
                {list.columns.map((column, i) => (
                  <th key={column} aria-sort={sort?.column === i ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
                    <button type="button" onClick={() => sortBy(i)}>
                      {column}
                      <span aria-hidden="true">{sort?.column === i ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) => (
                    <td key={c} className={typeof cell === 'number' ? 'registry-number' : undefined}>
                      {cell === null || cell === undefined ? '' : String(cell)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** Any list in the last answer as a sortable table, a CSV file, and, for statistics, bars. */
function ResultsPanel({ runs }: { runs: RunStore }) {
  const run = useLastRun(runs);
  const lists = useMemo(() => findLists(run?.body.data ?? null), [run]);
  const [chosen, setChosen] = useState<string | undefined>();
  const list = lists.find((l) => l.path === chosen) ?? lists[0];
  return (
    <section className="registry-panel registry-results" aria-label="Results as tables">
      <div className="graphiql-doc-explorer-title">Results</div>
      {!run && <p className="registry-note">Run an operation: every list in its answer shows here as a table.</p>}
      {run && lists.length === 0 && <p className="registry-note">The last answer holds no list.</p>}
      {list && (
        <>
          <label className="registry-choose">
            List{' '}
            <select value={list.path} onChange={(event) => setChosen(event.target.value)}>
              {lists.map((l) => (
                <option key={l.path} value={l.path}>
                  {l.path} ({l.rows.length})
                </option>
              ))}
            </select>
          </label>
          <ListView key={`${run?.ms}:${list.path}`} list={list} operationName={run?.operationName} />
        </>
      )}
    </section>
  );
}

export function resultsPlugin(runs: RunStore): GraphiQLPlugin {
  return { title: 'Results as tables', icon: TableIcon, content: () => <ResultsPanel runs={runs} /> };
}
