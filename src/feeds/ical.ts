/**
 * RFC 5545 text, written by hand (a few dozen lines; ical-generator 11 needs
 * Node 22): CRLF line endings, lines folded at 75 octets without splitting a
 * UTF-8 character, TEXT values escaped (backslash, semicolon, comma, newline).
 */

const CRLF = '\r\n';
const MAX_OCTETS = 75;

/** A TEXT value, escaped (RFC 5545 3.3.11). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** One content line, folded: no line longer than 75 octets, continuation lines starting with a space (3.1). */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line) <= MAX_OCTETS) return line;
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    if (octets + size > MAX_OCTETS) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join(CRLF);
}

/** A DATE-TIME in UTC, from an ISO 8601 instant: 20211225T090000Z. */
export function utcDateTime(instant: string): string {
  return `${new Date(instant).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** A DATE, from YYYY-MM-DD: 20211225. */
export function date(day: string): string {
  return day.replace(/-/g, '');
}

/** The day after YYYY-MM-DD (an all-day event's DTEND is exclusive). */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** A property: name (with parameters) and value, the value escaped as TEXT unless `raw`. */
export type Property = [name: string, value: string, raw?: boolean];

export interface CalendarEvent {
  uid: string;
  properties: Property[];
}

/** A VCALENDAR of events, as the text a calendar application subscribes to. */
export function calendar(name: string, events: CalendarEvent[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Program Registry//Calendar feed//EN', 'CALSCALE:GREGORIAN', `X-WR-CALNAME:${escapeText(name)}`];
  for (const event of events) {
    lines.push('BEGIN:VEVENT', `UID:${escapeText(event.uid)}`);
    // A raw value (a date, a URI) never carries a line break into the feed.
    for (const [property, value, raw] of event.properties) lines.push(`${property}:${raw ? value.replace(/[\r\n]/g, '') : escapeText(value)}`);
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join(CRLF) + CRLF;
}
