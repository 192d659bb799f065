import type { SqlRunner } from './database';

/** What a write did to one record: saveRecord and deleteRecord (src/graphql/writes.ts) note each, in order. */
export interface RecordChange {
  table: string;
  pk: number;
  op: 'created' | 'updated' | 'deleted';
  /** The row as it was, for a deleted record: nothing can read it after the commit. */
  row?: Record<string, unknown>;
}

/**
 * Who hears of committed writes (subscriptions, src/live). Told twice: in
 * the write's transaction, after its changes (PostgreSQL's NOTIFY is queued
 * there and delivered only if the transaction commits), and after the commit
 * (in-process and Redis delivery). A rolled-back write reaches neither.
 */
export interface ChangeSink {
  staged(tx: SqlRunner, changes: readonly RecordChange[], generation: string): Promise<unknown>;
  committed(staged: unknown): void;
}
