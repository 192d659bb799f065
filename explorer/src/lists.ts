/**
 * The lists in a GraphQL answer, as tables: every array of objects that is
 * not inside another list (a connection's `nodes` or `edges`, a statistics
 * array), its objects flattened into dotted columns (`region.code`), sorted
 * by any column, and, for statistics, which column labels the bars and which
 * one counts.
 */
import type { Cell } from './csv';

export interface ResultList {
  /** Where it is in the answer, e.g. `stats.programsByYear` or `forums.edges`. */
  path: string;
  columns: string[];
  rows: Cell[][];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: Json): value is { [key: string]: Json } => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One cell: scalars as they are; a list inside a row as its items' values, `; ` between them. */
function cellOf(value: Json): Cell {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => (isObject(item) ? Object.values(flatten(item)).filter((v) => v !== null && v !== '').join(' ') : String(cellOf(item) ?? ''))).join('; ');
  return JSON.stringify(value);
}

/** `{ region: { code: "AZ" }, count: 2 }` → `{ "region.code": "AZ", count: 2 }`. */
function flatten(object: { [key: string]: Json }, prefix = '', into: Record<string, Cell> = {}): Record<string, Cell> {
  for (const [key, value] of Object.entries(object)) {
    if (isObject(value)) flatten(value, `${prefix}${key}.`, into);
    else into[`${prefix}${key}`] = cellOf(value);
  }
  return into;
}

function tableOf(path: string, items: Json[]): ResultList {
  const records = items.map((item) => (isObject(item) ? flatten(item) : { value: cellOf(item) }));
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of records) for (const column of Object.keys(record)) if (!seen.has(column)) (seen.add(column), columns.push(column));
  return { path, columns, rows: records.map((record) => columns.map((column) => record[column] ?? null)) };
}

/** Every list of objects in `data` that is not inside another list, in the order of the answer. */
export function findLists(data: unknown, path: string[] = []): ResultList[] {
  const value = data as Json;
  if (Array.isArray(value)) return value.some(isObject) ? [tableOf(path.join('.'), value)] : [];
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => findLists(child, [...path, key]));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Compares two cells: numbers by value, text by collation; empty cells last whichever the direction. */
export function compareCells(a: Cell, b: Cell, direction: 'asc' | 'desc' = 'asc'): number {
  const emptyA = a === null || a === undefined || a === '';
  const emptyB = b === null || b === undefined || b === '';
  if (emptyA || emptyB) return Number(emptyA) - Number(emptyB);
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return direction === 'asc' ? order : -order;
}

/** The rows sorted by one column; rows that compare equal keep their order. */
export function sortRows(rows: readonly Cell[][], column: number, direction: 'asc' | 'desc'): Cell[][] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((x, y) => compareCells(x.row[column], y.row[column], direction) || x.index - y.index)
    .map(({ row }) => row);
}

/** Columns that name a statistic's bucket, best first. */
const LABELS = ['year', 'status', 'region.name', 'region.code', 'organization.name', 'organization.slug'];

/**
 * How a list is drawn as bars: by its `count` column (else its one numeric
 * column), labelled by a bucket column (year, status, region, organizer),
 * else by the first other column. Undefined when nothing counts.
 */
export function barsOf(list: ResultList): { label: number; value: number } | undefined {
  const numeric = (column: number) => list.rows.some((row) => typeof row[column] === 'number') && list.rows.every((row) => row[column] === null || typeof row[column] === 'number');
  let value = list.columns.findIndex((name) => name === 'count' || name.endsWith('.count'));
  if (value < 0 || !numeric(value)) {
    const numbers = list.columns.map((_, i) => i).filter((i) => numeric(i) && !LABELS.includes(list.columns[i]));
    if (numbers.length !== 1) return undefined;
    value = numbers[0];
  }
  const named = LABELS.map((name) => list.columns.indexOf(name)).find((i) => i >= 0);
  const label = named ?? list.columns.findIndex((_, i) => i !== value);
  return label < 0 ? undefined : { label, value };
}
