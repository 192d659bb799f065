import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest window a Duration may give: a quarter of a year, as days (months and years have no fixed length). */
export const MAX_DURATION_MS = 90 * DAY;
export const MAX_DURATION_TEXT = 'P90D';

const DURATION = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,8})H)?(?:(\d{1,8})M)?(?:(\d{1,9}(?:\.\d{1,3})?)S)?)?$/;

function refuse(value: unknown, why: string): never {
  throw new GraphQLError(`Duration must be ISO 8601 (P3D, PT48H, PT90M): ${why}, got ${JSON.stringify(value)}`, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * An ISO 8601 duration as milliseconds: weeks, days, hours, minutes and
 * seconds (to the millisecond), more than zero and at most P90D. Years and
 * months are refused: their length depends on when they are counted from.
 */
export function parseDuration(value: unknown): number {
  if (typeof value !== 'string') refuse(value, 'a string');
  const text = value.trim().toUpperCase();
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    if (/^P(\d+Y)?(\d+M)?/.test(text) && /^P[^T]*[YM]/.test(text)) refuse(value, 'years and months have no fixed length; give days, as P30D');
    refuse(value, 'P, then weeks (W) or days (D), then T and hours (H), minutes (M) or seconds (S)');
  }
  const [, weeks, days, hours, minutes, seconds] = m;
  const ms = Number(weeks ?? 0) * 7 * DAY + Number(days ?? 0) * DAY + Number(hours ?? 0) * HOUR + Number(minutes ?? 0) * MINUTE + Math.round(Number(seconds ?? 0) * SECOND);
  if (ms <= 0) refuse(value, 'more than zero');
  if (ms > MAX_DURATION_MS) refuse(value, `at most ${MAX_DURATION_TEXT}`);
  return ms;
}

/** Milliseconds as an ISO 8601 duration, in days, hours, minutes and seconds (172800000 is "P2D"). */
export function formatDuration(ms: number): string {
  const days = Math.floor(ms / DAY);
  let rest = ms - days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${rest ? `${rest / SECOND}S` : ''}`;
  const text = `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
  return text === 'P' ? 'PT0S' : text;
}

/** A span of time, ISO 8601 ("P3D", "PT48H"); resolvers receive it as milliseconds. */
export const DurationScalar = new GraphQLScalarType({
  name: 'Duration',
  description:
    'A span of time as an ISO 8601 duration: P, then weeks (W) or days (D), then T and hours (H), minutes (M) or seconds (S), e.g. "P3D", "PT48H", "P1DT12H". More than zero and at most P90D; years and months are refused, having no fixed length.',
  specifiedByURL: 'https://en.wikipedia.org/wiki/ISO_8601#Durations',
  serialize: (value) => (typeof value === 'number' ? formatDuration(value) : formatDuration(parseDuration(value))),
  parseValue: parseDuration,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Duration must be a string, as "P3D" or "PT48H"', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDuration(ast.value);
  },
});
