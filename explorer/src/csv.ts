/**
 * CSV as spreadsheets open it: UTF-8 with a byte order mark (so Excel reads
 * Cyrillic as Cyrillic), comma-separated, CRLF line ends, fields quoted when
 * they hold a comma, quote or line break (RFC 4180). A text cell that starts
 * like a formula (= + - @, tab or carriage return) gets a leading apostrophe,
 * so a title never runs as a formula in the analyst's spreadsheet.
 */

export const BOM = '\ufeff';

export type Cell = string | number | boolean | null | undefined;

const FORMULA = /^[=+\-@\t\r]/;

export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole file: a header line of column names, then one line per row. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<Cell>>): string {
  const lines = [columns.map(csvField).join(','), ...rows.map((row) => row.map(csvField).join(','))];
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
