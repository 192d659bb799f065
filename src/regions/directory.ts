import { nodeTable } from '../engine';
import type { Database } from '../db/database';
import { HeldForGeneration } from '../db/generation';
import { Region } from './region';

/** Every region, indexed the ways the registry looks regions up. */
export interface RegionIndex {
  byId: Map<number, Region>;
  byCode: Map<string, Region>;
  /** Regions directly below each region, ordered by code. */
  children: Map<number, Region[]>;
}

async function readIndex(db: Database): Promise<RegionIndex> {
  const table = nodeTable<Region>(db, Region, 'Region');
  const rows = await db.run(() => `SELECT ${table.select('r')} FROM regions r ORDER BY r.code, r.id`);
  const index: RegionIndex = { byId: new Map(), byCode: new Map(), children: new Map() };
  for (const row of rows) {
    const region = table.decode(row);
    index.byId.set(region.pk, region);
    index.byCode.set(region.code, region);
    if (region.parentPk != null) {
      let siblings = index.children.get(region.parentPk);
      if (!siblings) index.children.set(region.parentPk, (siblings = []));
      siblings.push(region);
    }
  }
  return index;
}

/** The ids of a region and of every region above it, nearest first; null when no region has the code. */
export function ancestryIds(index: RegionIndex, code: string): number[] | null {
  const ids: number[] = [];
  for (let region = index.byCode.get(code); region && !ids.includes(region.pk); region = region.parentPk == null ? undefined : index.byId.get(region.parentPk)) ids.push(region.pk);
  return ids.length ? ids : null;
}

/** The ids of a region and of every region below it; null when no region has the code. */
export function subtreeIds(index: RegionIndex, code: string): number[] | null {
  const top = index.byCode.get(code);
  if (!top) return null;
  const ids: number[] = [];
  const queue = [top];
  while (queue.length) {
    const region = queue.shift()!;
    ids.push(region.pk);
    queue.push(...(index.children.get(region.pk) ?? []));
  }
  return ids.sort((a, b) => a - b);
}

/**
 * The regions, held by one server between writes. Regions are reference
 * data (a few hundred rows that change seldom, cached by clients for a day),
 * yet every dashboard and filtered list looks several up: reading them all
 * once, instead of a statement per level and request, takes those statements
 * away. The copy is read again when the write generation changes (bumped in
 * the database by every write through the registry, whichever replica made
 * it) and at least every `maxAgeMs`, which bounds how long a region written
 * around the registry's API can go unseen.
 */
export class RegionDirectory {
  private readonly held: HeldForGeneration;

  constructor(maxAgeMs = 60_000) {
    this.held = new HeldForGeneration(maxAgeMs);
  }

  /** The regions as of `generation`, the write generation the request sees. */
  index(db: Database, generation: string): Promise<RegionIndex> {
    return this.held.answer(generation, 'index', () => readIndex(db));
  }
}
