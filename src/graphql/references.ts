import { fromGlobalId } from '../engine';
import type { SqlRunner } from '../db/database';
import { UserErrorCode, type InputErrors } from './writes';

/**
 * Resolves what an input names (region codes, organization slugs, ids) inside
 * the write's transaction, reporting each unknown one at its field.
 */
export class References {
  constructor(
    private readonly tx: SqlRunner,
    private readonly errors: InputErrors,
  ) {}

  private async idBy(table: string, column: string, value: string): Promise<number | null> {
    const [row] = await this.tx.query<{ id: number }>(`SELECT id FROM ${table} WHERE ${column} = $1`, [value]);
    return row ? Number(row.id) : null;
  }

  async region(field: string[], code: string | null | undefined): Promise<number | null | undefined> {
    if (code == null) return code;
    const id = await this.idBy('regions', 'code', code);
    if (id == null) this.errors.add(field, UserErrorCode.NOT_FOUND, `No region has the code "${code}"`);
    return id;
  }

  async organization(field: string[], slug: string | null | undefined): Promise<number | null | undefined> {
    if (slug == null) return slug;
    const id = await this.idBy('organizations', 'slug', slug);
    if (id == null) this.errors.add(field, UserErrorCode.NOT_FOUND, `No organization has the slug "${slug}"`);
    return id;
  }

  async organizations(field: string[], slugs: string[] | null | undefined): Promise<number[] | undefined> {
    if (slugs == null) return undefined;
    const ids: number[] = [];
    for (const [i, slug] of slugs.entries()) {
      if (slugs.indexOf(slug) !== i) {
        this.errors.add([...field, String(i)], UserErrorCode.DUPLICATE, `"${slug}" is given twice`);
        continue;
      }
      const id = await this.organization([...field, String(i)], slug);
      if (id != null) ids.push(id);
    }
    return ids;
  }

  /** Whether another row of `table` already uses `value` in `column`. */
  async taken(table: string, column: string, value: string, exceptId?: number, scope?: { column: string; value: number }): Promise<boolean> {
    const params: unknown[] = [value, exceptId ?? -1];
    const scoped = scope ? ` AND ${scope.column} = $3` : '';
    if (scope) params.push(scope.value);
    const rows = await this.tx.query(`SELECT 1 AS "x" FROM ${table} WHERE ${column} = $1 AND id <> $2${scoped}`, params);
    return rows.length > 0;
  }

  /** The database key behind a global id of one of `typeNames`, or an error at `field`. */
  pk(field: string[], id: string, typeNames: string[]): number | null {
    try {
      const decoded = fromGlobalId(id, field);
      if (typeNames.includes(decoded.typeName)) return decoded.pk;
    } catch {
      // reported below
    }
    this.errors.add(field, UserErrorCode.NOT_FOUND, `"${id.slice(0, 80)}" is not the id of a ${typeNames.join(' or ')}`);
    return null;
  }
}
