/**
 * The last operation the analyst ran, as the panels show it: its answer, its
 * size, and the statements the registry ran for it when explain was asked.
 * A tiny store read through React's useSyncExternalStore.
 */
import { useSyncExternalStore } from 'react';

/** `extensions.explain` as the registry sends it (src/graphql/plugins.ts). */
export interface Explain {
  sql: string[];
  /** Milliseconds per statement, in the order of `sql`; null where the driver gave no time. */
  ms?: Array<number | null>;
  executor: string;
  rendered?: number;
}

export interface Run {
  operationName?: string;
  status: number;
  /** Bytes of the JSON answer. */
  bytes: number;
  /** From sending the request to the last byte of the answer, in the browser. */
  ms: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }>; extensions?: { explain?: Explain } };
  /** Whether this run asked for its statements. */
  explainAsked: boolean;
}

type Listener = () => void;

const EXPLAIN_KEY = 'registry:explain';

export class RunStore {
  private run: Run | undefined;
  private explain: boolean;
  private readonly listeners = new Set<Listener>();

  constructor(explainByDefault: boolean) {
    const saved = localStorage.getItem(EXPLAIN_KEY);
    this.explain = saved === null ? explainByDefault : saved === '1';
  }

  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  last = () => this.run;
  explainWanted = () => this.explain;

  record(run: Run): void {
    this.run = run;
    this.emit();
  }

  setExplain(on: boolean): void {
    this.explain = on;
    localStorage.setItem(EXPLAIN_KEY, on ? '1' : '0');
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export function useLastRun(store: RunStore): Run | undefined {
  return useSyncExternalStore(store.subscribe, store.last);
}

export function useExplainWanted(store: RunStore): boolean {
  return useSyncExternalStore(store.subscribe, store.explainWanted);
}
