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
