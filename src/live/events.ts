import type { RecordChange } from '../db/changes';
import type { SqlRunner } from '../db/database';

/** What happened to a record, as subscribers are told. */
export type ChangeKindName = 'CREATED' | 'UPDATED' | 'DELETED';

/**
 * One committed change a subscription may hear of: the program or session,
 * what happened to it, the program it belongs to, and the write generation
 * its transaction committed (src/db/generation.ts).
 */
export interface LiveEvent {
  /** The table's topic (TOPICS): what a subscription field listens for. */
  topic: string;
  kind: ChangeKindName;
  pk: number;
  /** The GraphQL type of the record: Forum, Internship or Session. */
  typeName: string;
  /** The program itself, or the program a session belongs to. */
  programPk: number;
  generation: string;
  /** Why a `callClosingSoon` subscriber is told (src/live/closing.ts); set on the copy of the event it is sent. */
  reason?: string;
  /** A call found entering the window of `callClosingSoon` as time passed: this replica's own, never sent between replicas. */
  window?: WindowEntry;
  /** Answers shared by the subscribers of this replica that ask the same (filters, whole results); one event object reaches them all. */
  memo?: Map<string, unknown>;
}

/** A call whose deadline came within a window (or which opened inside one), as the replica's scheduler read it at `at` (ms). */
export interface WindowEntry {
  at: number;
  opensOn: string;
  closesAt: string;
  /** Regions the call is open to the residents of; empty for no condition of residence. */
  regions: number[];
}

const KIND: Record<RecordChange['op'], ChangeKindName> = { created: 'CREATED', updated: 'UPDATED', deleted: 'DELETED' };
const TYPE_NAMES: Record<string, string> = { FORUM: 'Forum', INTERNSHIP: 'Internship' };

type Row = Record<string, unknown>;

/**
 * The tables whose writes subscriptions report, by table: the topic, the
 * columns that say what a record is and which program it belongs to, read in
 * the write's transaction (or from the deleted row). Another table is one
 * entry here and a Subscription in resolver.ts.
 */
const TOPICS: Record<string, { topic: string; columns: string; typeName(row: Row): string; programPk(row: Row, pk: number): number }> = {
  programs: { topic: 'program', columns: 'type', typeName: (row) => TYPE_NAMES[String(row.type)] ?? 'Program', programPk: (_, pk) => pk },
  sessions: { topic: 'session', columns: 'program_id', typeName: () => 'Session', programPk: (row) => Number(row.program_id) },
  calls: { topic: 'call', columns: 'program_id', typeName: () => 'Call', programPk: (row) => Number(row.program_id) },
};
const KNOWN_TOPICS = new Set(Object.values(TOPICS).map((t) => t.topic));

/** The changes of one write that subscriptions report, one per record (created then updated is created; anything then deleted is deleted). */
function merged(changes: readonly RecordChange[]): RecordChange[] {
  const byRecord = new Map<string, RecordChange>();
  for (const change of changes) {
    if (!TOPICS[change.table]) continue;
    const key = `${change.table}:${change.pk}`;
    const before = byRecord.get(key);
    if (before?.op === 'created' && change.op === 'updated') continue;
    if (before) byRecord.delete(key);
    byRecord.set(key, change);
  }
  return [...byRecord.values()];
}

/**
 * The events of one write, read in its transaction: what a program is
 * (forum or internship) and which program a session belongs to. A deleted
 * record is described from its deleted row.
 */
export async function describeChanges(tx: SqlRunner, changes: readonly RecordChange[], generation: string): Promise<LiveEvent[]> {
  const events: LiveEvent[] = [];
  for (const change of merged(changes)) {
    const about = TOPICS[change.table];
    const row = change.row ?? (await tx.query<Row>(`SELECT ${about.columns} FROM ${change.table} WHERE id = $1`, [change.pk]))[0];
    if (!row) continue;
    events.push({ topic: about.topic, kind: KIND[change.op], pk: change.pk, typeName: about.typeName(row), programPk: about.programPk(row, change.pk), generation });
  }
  return events;
}

/** Events as they travel between replicas (a NOTIFY payload is at most 8,000 bytes: a write changes few records). */
export function encodeEvents(events: readonly LiveEvent[]): string {
  return JSON.stringify(events.map(({ topic, kind, pk, typeName, programPk, generation }) => [topic, kind, pk, typeName, programPk, generation]));
}

/** Events from another replica's message; a message that is not one is ignored (counted by the caller). */
export function decodeEvents(message: string): LiveEvent[] | null {
  try {
    const list = JSON.parse(message) as unknown;
    if (!Array.isArray(list)) return null;
    const events: LiveEvent[] = [];
    for (const item of list) {
      if (!Array.isArray(item) || item.length !== 6) return null;
      const [topic, kind, pk, typeName, programPk, generation] = item as [string, string, number, string, number, string];
      if (!KNOWN_TOPICS.has(topic) || !['CREATED', 'UPDATED', 'DELETED'].includes(kind)) return null;
      if (!Number.isInteger(pk) || !Number.isInteger(programPk) || typeof typeName !== 'string' || typeof generation !== 'string') return null;
      events.push({ topic, kind: kind as ChangeKindName, pk, typeName, programPk, generation });
    }
    return events;
  } catch {
    return null;
  }
}
