import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { LiveEvent, WindowEntry } from './events';
import type { Accepted } from './hub';
import type { LiveMetrics } from './hub';

/** Why a `callClosingSoon` subscriber is told of a call. */
export type ClosingSoonReasonName = 'ENTERED' | 'CREATED' | 'UPDATED' | 'LEFT';

/** The longest the scheduler sleeps: a wall clock set forward is noticed within this, and what entered meanwhile is sent then. */
export const MAX_SLEEP_MS = 60_000;
/** After a failed scan: wait this long, then scan again from where the last good scan ended. */
const RETRY_MS = 5_000;

/** One `callClosingSoon` subscription, as the scheduler and its filter see it. */
export interface WindowWatch {
  withinMs: number;
  /** The resident's region and every region above it; a call open to any of them (or to everyone) is eligible. Null: any call. */
  ancestry: ReadonlySet<number> | null;
  /** When it started (ms): a call already inside its window then did not enter it. */
  since: number;
  /** Calls it has been told of in the window, by key, with their deadline: each entry is told once. */
  told: Map<number, string>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

function eligible(watch: WindowWatch, regions: readonly number[]): boolean {
  const { ancestry } = watch;
  return !ancestry || regions.length === 0 || regions.some((id) => ancestry.has(id));
}

/** Whether a call is open and inside a watch's window at `at` (ms). */
function inside(watch: WindowWatch, call: { opensOn: string; closesAt: string; regions: readonly number[] }, at: number): boolean {
  const closes = Date.parse(call.closesAt);
  return closes > at && closes <= at + watch.withinMs && call.opensOn <= day(at) && eligible(watch, call.regions);
}

/** The copy of an event told for `reason`: one per event and reason, shared by every subscriber told the same (server.ts executes it once for them). */
function toldAs(event: LiveEvent, reason: ClosingSoonReasonName): LiveEvent {
  event.memo ??= new Map();
  const key = `reason:${reason}`;
  let copy = event.memo.get(key) as LiveEvent | undefined;
  if (!copy) {
    copy = { ...event, reason, memo: new Map() };
    event.memo.set(key, copy);
  }
  return copy;
}

interface CallRow {
  id: number | string;
  program_id: number | string;
  opens_on: string;
  closes_at: string;
  region_id: number | string | null;
}

/** Rows of calls joined to their regions, one entry per call in the rows' order. */
function grouped(rows: readonly CallRow[]): Array<{ pk: number; programPk: number; opensOn: string; closesAt: string; regions: number[] }> {
  const calls = new Map<number, { pk: number; programPk: number; opensOn: string; closesAt: string; regions: number[] }>();
  for (const row of rows) {
    const pk = Number(row.id);
    let call = calls.get(pk);
    if (!call) calls.set(pk, (call = { pk, programPk: Number(row.program_id), opensOn: String(row.opens_on), closesAt: String(row.closes_at), regions: [] }));
    if (row.region_id != null) call.regions.push(Number(row.region_id));
  }
  return [...calls.values()];
}

/**
 * Tells `callClosingSoon` subscribers of calls that enter their window as
 * time passes, one timer per replica for all of them: it sleeps until the
 * earliest moment a call's deadline comes within any active window (one
 * statement on the index of calls.closes_at, one MIN per distinct window),
 * or the next UTC midnight (a call opens on a day), or MAX_SLEEP_MS,
 * whichever is first; then one statement reads the calls that entered any
 * window since the last scan, and each subscription's filter keeps those
 * that entered its own. The timer is re-armed after each scan and after
 * each write to calls heard from the channel. Statements run on the serving
 * database, which holds each to the statement deadline; a failed scan is
 * counted, logged and retried, and the next good one covers what it missed.
 */
export class ClosingSoonScheduler {
  private readonly watches = new Set<WindowWatch>();
  private timer: NodeJS.Timeout | undefined;
  /** The instant (ms) up to which entries have been offered. */
  private scannedTo = 0;
  private working = false;
  private scanDue = false;
  private armDue = false;
  private closed = false;
  private failing = false;
  /** When the timer is set to fire (ms), for tests and logs. */
  nextFiring: number | undefined;

  constructor(
    private readonly db: Database,
    private readonly offer: (event: LiveEvent) => void,
    private readonly logger: Logger,
    private readonly metrics?: LiveMetrics,
    private readonly maxSleepMs = MAX_SLEEP_MS,
    /** The wall clock (tests set it to just before a UTC midnight). */
    private readonly clock: () => number = Date.now,
  ) {}

  get active(): number {
    return this.watches.size;
  }

  /** Starts watching a window for a subscription; `remove` when it ends. */
  add(withinMs: number, ancestry: readonly number[] | null): WindowWatch {
    const now = this.clock();
    if (!this.watches.size) this.scannedTo = now;
    const watch: WindowWatch = { withinMs, ancestry: ancestry && new Set(ancestry), since: now, told: new Map() };
    this.watches.add(watch);
    this.kick(false);
    return watch;
  }

  remove(watch: WindowWatch): void {
    this.watches.delete(watch);
    if (!this.watches.size) this.disarm();
  }

  /** A call was written: the earliest next entry may have changed. */
  readonly rearm = (): void => {
    if (this.watches.size) this.kick(false);
  };

  close(): void {
    this.closed = true;
    this.watches.clear();
    this.disarm();
  }

  /**
   * A subscription's filter: an event of its own (a call entering a window)
   * or a committed write to a call, told as why it concerns this watch, or
   * not at all. A write's call is read once per event for all subscriptions
   * of the replica.
   */
  async accept(watch: WindowWatch, event: LiveEvent): Promise<Accepted> {
    if (event.window) {
      const entry = event.window;
      if (watch.told.has(event.pk) || !inside(watch, entry, entry.at)) return false;
      // Entered since the subscription started: its deadline came within the window, or it opened, after that.
      const entered = Date.parse(entry.closesAt) > watch.since + watch.withinMs || entry.opensOn > day(watch.since);
      if (!entered) return false;
      watch.told.set(event.pk, entry.closesAt);
      return toldAs(event, 'ENTERED');
    }
    if (event.topic !== 'call') return false;
    const call = event.kind === 'DELETED' ? null : await this.readCall(event);
    if (call && inside(watch, call, call.at)) {
      const known = watch.told.has(event.pk);
      watch.told.set(event.pk, call.closesAt);
      return toldAs(event, known ? 'UPDATED' : event.kind === 'CREATED' ? 'CREATED' : 'UPDATED');
    }
    if (watch.told.delete(event.pk)) return toldAs(event, 'LEFT');
    return false;
  }

  /** The call of a write as it is now (one statement per event, shared through its memo). */
  private readCall(event: LiveEvent): Promise<(WindowEntry & { pk: number }) | null> {
    event.memo ??= new Map();
    let answer = event.memo.get('call') as Promise<(WindowEntry & { pk: number }) | null> | undefined;
    if (!answer) {
      answer = (async () => {
        const at = this.clock();
        const rows = await this.db.run<CallRow>(
          (p) => `SELECT c.id, c.program_id, c.opens_on, c.closes_at, cr.region_id FROM calls c LEFT JOIN call_regions cr ON cr.call_id = c.id WHERE c.id = ${p.add(event.pk)}`,
        );
        const [call] = grouped(rows);
        return call ? { at, pk: call.pk, opensOn: call.opensOn, closesAt: call.closesAt, regions: call.regions } : null;
      })();
      event.memo.set('call', answer);
    }
    return answer;
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextFiring = undefined;
  }

  /** Runs a scan (when the timer fired) and re-arms, one at a time; calls meanwhile are folded into the next round. */
  private kick(scan: boolean): void {
    if (this.closed) return;
    this.scanDue ||= scan;
    this.armDue = true;
    if (this.working) return;
    this.working = true;
    void (async () => {
      try {
        while ((this.scanDue || this.armDue) && this.watches.size && !this.closed) {
          const scanning = this.scanDue;
          this.scanDue = this.armDue = false;
          try {
            if (scanning) await this.scan();
            await this.arm();
            if (this.failing) this.logger.info('subscriptions: callClosingSoon scans work again');
            this.failing = false;
          } catch (error) {
            this.metrics?.windowScans.inc({ outcome: 'failed' });
            if (!this.failing) this.logger.warn({ err: error }, `subscriptions: a callClosingSoon scan failed; retrying every ${RETRY_MS} ms`);
            this.failing = true;
            this.schedule(this.clock() + RETRY_MS);
          }
        }
      } finally {
        this.working = false;
      }
    })();
  }

  private schedule(at: number): void {
    this.disarm();
    if (this.closed || !this.watches.size) return;
    const now = this.clock();
    const wake = Math.min(at, now + this.maxSleepMs);
    this.nextFiring = wake;
    const fire = () => {
      // A timer may fire a millisecond before Date.now() reaches its time (libuv's clock is cached): wait that out rather than scan early.
      const early = wake - this.clock();
      if (early > 0) {
        this.timer = setTimeout(fire, early);
        this.timer.unref();
        return;
      }
      this.timer = undefined;
      this.kick(true);
    };
    this.timer = setTimeout(fire, Math.max(1, wake - now));
    this.timer.unref();
  }

  private windows(): number[] {
    return [...new Set([...this.watches].map((w) => w.withinMs))].sort((a, b) => a - b);
  }

  /** Sets the timer for the earliest next entry into any active window after the last scan: one statement, an index seek per distinct window. */
  private async arm(): Promise<void> {
    const windows = this.windows();
    if (!windows.length) return this.disarm();
    // From where the last scan ended, not from now: a call entering between the two would be in neither.
    const from = this.scannedTo;
    const now = this.clock();
    const [row] = await this.db.run<Record<string, string | null>>(
      (p) => `SELECT ${windows.map((w, i) => `(SELECT MIN(closes_at) FROM calls WHERE closes_at > ${p.add(iso(from + w))}) AS "w${i}"`).join(', ')}`,
    );
    let next = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1);
    windows.forEach((w, i) => {
      const closes = row?.[`w${i}`];
      if (closes != null) next = Math.min(next, Date.parse(closes) - w);
    });
    this.schedule(next);
  }

  /** Offers every call that entered a window since the last scan: one statement; each subscription keeps its own. */
  private async scan(): Promise<void> {
    const windows = this.windows();
    const now = this.clock();
    const from = Math.min(this.scannedTo, now);
    if (!windows.length || from >= now) {
      this.scannedTo = now;
      return;
    }
    const widest = windows[windows.length - 1];
    const rows = await this.db.run<CallRow>((p) => {
      const entered = windows.map((w) => `(c.closes_at > ${p.add(iso(from + w))} AND c.closes_at <= ${p.add(iso(now + w))})`);
      // A call opens at the start of its day (UTC): inside a window then, it enters it.
      if (day(from) !== day(now)) entered.push(`(c.opens_on > ${p.add(day(from))} AND c.closes_at <= ${p.add(iso(now + widest))})`);
      return `SELECT c.id, c.program_id, c.opens_on, c.closes_at, cr.region_id FROM calls c LEFT JOIN call_regions cr ON cr.call_id = c.id WHERE c.closes_at > ${p.add(iso(now))} AND c.opens_on <= ${p.add(day(now))} AND (${entered.join(' OR ')}) ORDER BY c.closes_at, c.id`;
    });
    this.scannedTo = now;
    this.metrics?.windowScans.inc({ outcome: 'ok' });
    // What was told and has closed since can enter no more: forget it.
    for (const watch of this.watches) for (const [pk, closes] of watch.told) if (Date.parse(closes) <= now) watch.told.delete(pk);
    for (const call of grouped(rows)) {
      this.offer({ topic: 'call-window', kind: 'UPDATED', pk: call.pk, typeName: 'Call', programPk: call.programPk, generation: '', window: { at: now, opensOn: call.opensOn, closesAt: call.closesAt, regions: call.regions } });
    }
  }
}
