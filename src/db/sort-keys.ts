import type { DataSource } from 'typeorm';

/**
 * Columns lists are ordered and paged by (slugs, codes, sortable titles):
 * on PostgreSQL they compare byte by byte in the `C` collation, as SQLite's
 * BINARY does, whatever locale the server was created with. SQLite has no
 * `C` collation, so the entity cannot say it in its decorator: it marks the
 * column, and opening a PostgreSQL database applies it to the metadata.
 */
const sortKeys: Array<{ target: Function; property: string }> = [];

export function SortKey(): PropertyDecorator {
  return (prototype, property) => {
    sortKeys.push({ target: prototype.constructor, property: String(property) });
  };
}

/** Gives the marked columns the `C` collation in a PostgreSQL data source's metadata (as the migrations created them). */
export function applySortCollation(dataSource: DataSource): void {
  if (dataSource.options.type !== 'postgres') return;
  for (const metadata of dataSource.entityMetadatas) {
    for (const column of metadata.columns) {
      if (sortKeys.some((k) => (k.target === metadata.target || (metadata.target as Function).prototype instanceof k.target) && k.property === column.propertyName)) column.collation = 'C';
    }
  }
}
