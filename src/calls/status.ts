import { CallStatus } from './call';

/**
 * The rule for a call's status, in JavaScript and in SQL side by side
 * (tests/call-status.test.ts holds them equal on both databases). A passed
 * deadline closes a call whatever its opening day; before it, a call whose
 * opening day (UTC) is after today is not yet open. Instants are stored and
 * compared as ISO 8601 text in UTC (`2026-03-01T20:59:00.000Z`), whose text
 * order is time order; `now` is the request's instant in the same form.
 */

/** What a call row tells about its time. */
export interface CallTimes {
  opensOn: string;
  closesAt: string;
}

/** A call's status at `now` (ISO 8601 UTC, as `toISOString` writes it); `callStatusCase` is the same rule in SQL. */
export function callStatus(call: CallTimes, now: string): CallStatus {
  if (call.closesAt <= now) return CallStatus.CLOSED;
  if (call.opensOn > now.slice(0, 10)) return CallStatus.NOT_YET_OPEN;
  return CallStatus.OPEN;
}

/** `callStatus` over the call row `alias` as one SQL expression, `now` being a placeholder (or literal) of the instant as text. */
export function callStatusCase(alias: string, now: string): string {
  return `CASE WHEN ${alias}.closes_at <= ${now} THEN '${CallStatus.CLOSED}' WHEN ${alias}.opens_on > SUBSTR(${now}, 1, 10) THEN '${CallStatus.NOT_YET_OPEN}' ELSE '${CallStatus.OPEN}' END`;
}

/**
 * Calls (row `alias`) whose status at `now` is one of `wanted`, as plain
 * comparisons of their columns: the same rule as `callStatusCase`, but one
 * the planner can estimate. Behind a CASE it guessed 23 open calls of 1,282
 * on the large set, read them all and sorted their programmes (12.6 ms for
 * a page of one); told as comparisons, it walks the deadline order's index
 * from now and stops after the page (0.15 ms).
 */
export function callStatusIn(alias: string, now: string, wanted: readonly CallStatus[]): string {
  const today = `SUBSTR(${now}, 1, 10)`;
  const each: Record<CallStatus, string> = {
    [CallStatus.CLOSED]: `${alias}.closes_at <= ${now}`,
    [CallStatus.NOT_YET_OPEN]: `(${alias}.closes_at > ${now} AND ${alias}.opens_on > ${today})`,
    [CallStatus.OPEN]: `(${alias}.closes_at > ${now} AND ${alias}.opens_on <= ${today})`,
  };
  const statuses = [...new Set(wanted)];
  if (!statuses.length) return '1 = 0';
  // Every call is in one status; not yet open and open together are those whose deadline is ahead.
  if (statuses.length === 3) return '1 = 1';
  if (statuses.length === 2 && !statuses.includes(CallStatus.CLOSED)) return `${alias}.closes_at > ${now}`;
  return `(${statuses.map((s) => each[s]).join(' OR ')})`;
}
