/** IANA time zones, through the runtime's own database (Intl): no table of zones to keep up to date. */

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  return format;
}

/** Whether the runtime knows `zone` as an IANA time zone ("Europe/Moscow", "Asia/Baku", "UTC"). */
export function isTimeZone(zone: string): boolean {
  if (!zone || zone.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(zone)) return false;
  try {
    formatIn(zone);
    return true;
  } catch {
    return false;
  }
}

/** An instant's wall-clock time in `zone`, as `YYYY-MM-DDTHH:MM:SS` (no offset). */
export function localDateTime(instant: string, zone: string): string {
  const parts = Object.fromEntries(formatIn(zone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The offset of `zone` from UTC at an instant, in minutes (Moscow: 180). */
export function offsetMinutes(instant: string, zone: string): number {
  const local = localDateTime(instant, zone);
  const asUtc = Date.parse(`${local}Z`);
  const at = Math.floor(Date.parse(instant) / 1000) * 1000;
  return Math.round((asUtc - at) / 60_000);
}
