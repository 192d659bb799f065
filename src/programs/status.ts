import { ProgramStatus } from './program';

/**
 * The rule for a program's status, in JavaScript and in SQL side by side
 * (tests/program-status.test.ts holds them equal on both databases). It uses
 * what is known, best first: the program's own dates; else the span of its
 * internships' dates (a forum the source gives no dates for, whose internship
 * ran in December 2021, is over); else its edition year against today's year;
 * else nothing, which counts as upcoming.
 */

/** First and last day of something, either possibly unknown. */
export interface DateSpan {
  startsOn: string | null;
  endsOn: string | null;
}

/** What a program row tells about its time, and the span of its internships when it has no dates of its own. */
export interface KnownTime extends DateSpan {
  year: number | null;
  internships?: DateSpan | null;
}

/** Whether the program's own dates decide; otherwise its internships' span is needed. */
export const hasOwnDates = (program: DateSpan): boolean => program.startsOn != null || program.endsOn != null;

function statusOfSpan(startsOn: string | null, endsOn: string | null, today: string): ProgramStatus {
  const end = endsOn ?? startsOn;
  if (end != null && end < today) return ProgramStatus.ARCHIVED;
  if (startsOn == null || startsOn > today) return ProgramStatus.UPCOMING;
  return ProgramStatus.ONGOING;
}

/** A program's status on `today` (YYYY-MM-DD, UTC); `programStatusCase` is the same rule in SQL. */
export function programStatus(known: KnownTime, today: string): ProgramStatus {
  if (hasOwnDates(known)) return statusOfSpan(known.startsOn, known.endsOn, today);
  const span = known.internships;
  if (span && hasOwnDates(span)) return statusOfSpan(span.startsOn, span.endsOn, today);
  if (known.year != null) {
    const thisYear = Number(today.slice(0, 4));
    if (known.year < thisYear) return ProgramStatus.ARCHIVED;
    return known.year > thisYear ? ProgramStatus.UPCOMING : ProgramStatus.ONGOING;
  }
  return ProgramStatus.UPCOMING;
}

/** First day and last known day of the internships of forum `forum` (an SQL expression), as the JS rule's `internships`. */
export function internshipSpanSql(forum: string, alias: string): { startsOn: string; endsOn: string } {
  return {
    startsOn: `(SELECT MIN(${alias}.starts_on) FROM programs ${alias} WHERE ${alias}.forum_id = ${forum})`,
    endsOn: `(SELECT MAX(COALESCE(${alias}.ends_on, ${alias}.starts_on)) FROM programs ${alias} WHERE ${alias}.forum_id = ${forum})`,
  };
}

function spanCase(startsOn: string, end: string, today: string): string {
  return `CASE WHEN ${end} < ${today} THEN '${ProgramStatus.ARCHIVED}' WHEN ${startsOn} IS NULL OR ${startsOn} > ${today} THEN '${ProgramStatus.UPCOMING}' ELSE '${ProgramStatus.ONGOING}' END`;
}

/**
 * `programStatus` over the program row `alias` as one SQL expression, `today`
 * being a placeholder (or literal) of the date as text. Internships are read
 * only for rows without dates of their own, by the index on `forum_id`.
 */
export function programStatusCase(alias: string, today: string): string {
  const own = `${alias}.starts_on IS NOT NULL OR ${alias}.ends_on IS NOT NULL`;
  const internships = internshipSpanSql(`${alias}.id`, `${alias}_internship`);
  const thisYear = `CAST(SUBSTR(${today}, 1, 4) AS INTEGER)`;
  const byYear = `CASE WHEN ${alias}.year < ${thisYear} THEN '${ProgramStatus.ARCHIVED}' WHEN ${alias}.year > ${thisYear} THEN '${ProgramStatus.UPCOMING}' ELSE '${ProgramStatus.ONGOING}' END`;
  return `CASE WHEN ${own} THEN ${spanCase(`${alias}.starts_on`, `COALESCE(${alias}.ends_on, ${alias}.starts_on)`, today)}`
    + ` WHEN ${internships.endsOn} IS NOT NULL THEN ${spanCase(internships.startsOn, internships.endsOn, today)}`
    + ` WHEN ${alias}.year IS NOT NULL THEN ${byYear} ELSE '${ProgramStatus.UPCOMING}' END`;
}
