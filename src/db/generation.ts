import type { Database, SqlRunner } from './database';
import { unrecorded } from './explain';

/**
 * The write generation: a number that every write through the registry
 * bumps inside its own transaction, so it changes exactly when the write
 * commits, on the database every replica reads. Whatever is held between
 * requests (cached responses, the region directory) is keyed by it; a lost
 * Redis or a crashed replica cannot leave it behind a committed write.
 */
const BUMP = 'UPDATE write_generation SET value = value + 1 WHERE id = 1 RETURNING value AS "value"';
const READ = 'SELECT value AS "value" FROM write_generation WHERE id = 1';

/** Bumps the generation in the write's transaction; answers the new one. Taken last in a write, so its row lock is held only to the commit. */
export async function bumpGeneration(tx: SqlRunner): Promise<string> {
  const [row] = await tx.query<{ value: number | string }>(BUMP);
  return String(row?.value ?? '0');
}

interface Waiter {
  resolve(generation: string): void;
  reject(error: unknown): void;
}

/**
 * Reads the generation for requests. Requests that arrive in the same turn
 * of the event loop share one read, sent after all of them arrived, so each
 * sees every write committed before it came: cheap under load, never stale.
 */
export class GenerationSource {
  private waiting: Waiter[] | undefined;

  constructor(private readonly db: Database) {}

  read(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (!this.waiting) {
        this.waiting = [];
        setImmediate(() => this.flush());
      }
      this.waiting.push({ resolve, reject });
    });
  }

  private flush(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    unrecorded(() => this.db.query<{ value: number | string }>(READ)).then(
      ([row]) => {
        const generation = String(row?.value ?? '0');
        for (const waiter of waiting) waiter.resolve(generation);
      },
      (error: unknown) => {
        for (const waiter of waiting) waiter.reject(error);
      },
    );
  }

  /** One request's view: read once, and again only after the request's own write (whose new generation it is told). */
  forRequest(onWrite?: (generation: string) => void): { read: () => Promise<string>; written: (generation: string) => Promise<void> } {
    let current: Promise<string> | undefined;
    return {
      read: () => {
        if (!current) {
          const reading = this.read();
          // A failed read is not kept: the next asks again.
          reading.catch(() => {
            if (current === reading) current = undefined;
          });
          current = reading;
        }
        return current;
      },
      written: async (generation) => {
        current = Promise.resolve(generation);
        onWrite?.(generation);
      },
    };
  }
}

/**
 * Answers held by one server for a write generation: computed once, kept
 * while the generation the requests read stays the same, and at most
 * `maxAgeMs` (which bounds how long a write made around the registry's API
 * goes unseen). A failed computation is not kept: the next request computes
 * again. The region directory and the unfiltered statistics are held so.
 */
export class HeldForGeneration {
  private current?: { generation: string; readAt: number; answers: Map<string, Promise<unknown>> };

  constructor(private readonly maxAgeMs = 60_000) {}

  answer<T>(generation: string, key: string, compute: () => Promise<T>): Promise<T> {
    if (!this.current || this.current.generation !== generation || Date.now() - this.current.readAt >= this.maxAgeMs) {
      this.current = { generation, readAt: Date.now(), answers: new Map() };
    }
    const { answers } = this.current;
    let answer = answers.get(key) as Promise<T> | undefined;
    if (!answer) {
      const computing = compute();
      answers.set(key, computing);
      computing.catch(() => {
        if (answers.get(key) === computing) answers.delete(key);
      });
      answer = computing;
    }
    return answer;
  }
}
