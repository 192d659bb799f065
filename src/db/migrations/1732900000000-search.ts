import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The full-text index of programmes, sessions, organizations and regions, and
 * the table of languages the registry holds text in.
 *
 * Each indexed record is one document whose key packs its table into the low
 * two bits: key = id * 4 + kind (0 region, 1 organization, 2 program,
 * 3 session; see src/search/documents.ts). Columns, best field first: name
 * (titles and names), training program, description, extra (a forum's series,
 * a region's code). Every translation of a text goes into the same column, so
 * a language added as data is searchable without a schema change.
 *
 * Triggers keep the index in step with every write inside the writing
 * transaction. This migration runs after 1732850000000, which rebuilds the
 * tables on SQLite (and would drop triggers created before it); a later
 * migration that alters these tables on SQLite must recreate the triggers.
 */

/** kind number and the columns each source table feeds into the index. */
const SOURCES = [
  { table: 'regions', kind: 0, name: 'name', training: null, description: null, extra: 'code' },
  { table: 'organizations', kind: 1, name: 'name', training: null, description: null, extra: null },
  { table: 'programs', kind: 2, name: 'title', training: 'training_program', description: 'description', extra: 'series' },
  { table: 'sessions', kind: 3, name: 'title', training: null, description: null, extra: null },
] as const;

type Source = (typeof SOURCES)[number];

/** The columns whose change must reindex a record. */
const watched = (s: Source) => [s.name, s.training, s.description, s.extra].filter(Boolean).join(', ');

export class Search1732900000000 implements MigrationInterface {
  name = 'Search1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE languages (code VARCHAR(16) PRIMARY KEY, name TEXT NOT NULL, native_name VARCHAR(100) NOT NULL, position INTEGER NOT NULL DEFAULT 0)`);
    if (q.connection.driver.options.type === 'postgres') await upPostgres(q);
    else await upSqlite(q);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') {
      for (const s of SOURCES) await q.query(`DROP TRIGGER IF EXISTS ${s.table}_search ON ${s.table}`);
      for (const s of SOURCES) await q.query(`DROP FUNCTION IF EXISTS registry_search_${s.table}()`);
      await q.query(`DROP TABLE IF EXISTS search_documents`);
      await q.query(`DROP FUNCTION IF EXISTS registry_search_fold(text)`);
      await q.query(`DROP FUNCTION IF EXISTS registry_search_texts(text)`);
      await q.query(`DROP TEXT SEARCH CONFIGURATION IF EXISTS registry_search`);
    } else {
      for (const s of SOURCES) for (const when of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER IF EXISTS ${s.table}_search_${when}`);
      await q.query(`DROP TABLE IF EXISTS search_index`);
    }
    await q.query(`DROP TABLE languages`);
  }
}

// ---- SQLite: FTS5 -------------------------------------------------------------------------

/** Every translation of a JSON text column of row `row`, joined; "ё" as "е" (unicode61 keeps it apart). */
function sqliteTexts(row: string, column: string | null): string {
  if (!column) return `''`;
  return `replace(replace(COALESCE((SELECT group_concat(value, ' ') FROM json_each(${row}.${column})), ''), 'ё', 'е'), 'Ё', 'Е')`;
}

function sqliteDocument(s: Source, row: string): string {
  const extra = s.extra ? `COALESCE(${row}.${s.extra}, '')` : `''`;
  return `(${row}.id * 4 + ${s.kind}, ${sqliteTexts(row, s.name)}, ${sqliteTexts(row, s.training)}, ${sqliteTexts(row, s.description)}, ${extra})`;
}

async function upSqlite(q: QueryRunner): Promise<void> {
  // Contentless: snippets are cut from the records themselves, so the index keeps only its tokens.
  await q.query(
    `CREATE VIRTUAL TABLE search_index USING fts5(name, training_program, description, extra, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`,
  );
  const insert = `INSERT INTO search_index (rowid, name, training_program, description, extra) VALUES`;
  for (const s of SOURCES) {
    await q.query(`CREATE TRIGGER ${s.table}_search_insert AFTER INSERT ON ${s.table} BEGIN ${insert} ${sqliteDocument(s, 'new')}; END`);
    await q.query(
      `CREATE TRIGGER ${s.table}_search_update AFTER UPDATE OF ${watched(s)} ON ${s.table} BEGIN DELETE FROM search_index WHERE rowid = old.id * 4 + ${s.kind}; ${insert} ${sqliteDocument(s, 'new')}; END`,
    );
    await q.query(`CREATE TRIGGER ${s.table}_search_delete AFTER DELETE ON ${s.table} BEGIN DELETE FROM search_index WHERE rowid = old.id * 4 + ${s.kind}; END`);
    const row = sqliteDocument(s, 't').slice(1, -1);
    await q.query(`INSERT INTO search_index (rowid, name, training_program, description, extra) SELECT ${row} FROM ${s.table} t`);
  }
}

// ---- PostgreSQL: tsvector + GIN -----------------------------------------------------------

async function upPostgres(q: QueryRunner): Promise<void> {
  // unaccent where the server has it (a savepoint keeps a refusal from aborting the migration); else translate() below does the common letters.
  let unaccent = false;
  const [available] = await q.query(`SELECT 1 AS ok FROM pg_available_extensions WHERE name = 'unaccent'`);
  if (available) {
    await q.query('SAVEPOINT registry_unaccent');
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS unaccent');
      await q.query('RELEASE SAVEPOINT registry_unaccent');
      unaccent = true;
    } catch {
      await q.query('ROLLBACK TO SAVEPOINT registry_unaccent');
    }
  }
  await q.query(`CREATE TEXT SEARCH CONFIGURATION registry_search (COPY = simple)`);
  if (unaccent) await q.query(`ALTER TEXT SEARCH CONFIGURATION registry_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple`);
  await q.query(`CREATE FUNCTION registry_search_texts(doc text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE((SELECT string_agg(value, ' ') FROM json_each_text(doc::json)), '')
  $$`);
  await q.query(`CREATE FUNCTION registry_search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(lower(COALESCE(t, '')), 'ёàáâãäåāçčèéêëēěìíîïīñňòóôõöōřšùúûüūýÿž', 'еaaaaaaacceeeeeeiiiiinnoooooorsuuuuuyyz')
  $$`);
  await q.query(`CREATE TABLE search_documents (
    doc BIGINT PRIMARY KEY,
    kind SMALLINT NOT NULL,
    ref INTEGER NOT NULL,
    tsv TSVECTOR NOT NULL
  )`);
  await q.query(`CREATE INDEX idx_search_documents_tsv ON search_documents USING GIN (tsv)`);
  await q.query(`CREATE INDEX idx_search_documents_kind_ref ON search_documents (kind, ref)`);

  const weighted = (column: string, weight: string, json = true) =>
    `setweight(to_tsvector('registry_search', registry_search_fold(${json ? `registry_search_texts(${column})` : column})), '${weight}')`;
  for (const s of SOURCES) {
    const expression = [
      weighted(`$ROW.${s.name}`, 'A'),
      s.training ? weighted(`$ROW.${s.training}`, 'B') : null,
      s.description ? weighted(`$ROW.${s.description}`, 'C') : null,
      s.extra ? weighted(`$ROW.${s.extra}`, 'B', false) : null,
    ]
      .filter(Boolean)
      .join(' || ');
    const of = (row: string) => expression.replace(/\$ROW\./g, `${row}.`);
    // One function per table, so each statement is planned once, not per row.
    await q.query(`CREATE FUNCTION registry_search_${s.table}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          DELETE FROM search_documents WHERE doc = OLD.id::bigint * 4 + ${s.kind};
          RETURN OLD;
        END IF;
        INSERT INTO search_documents (doc, kind, ref, tsv) VALUES (NEW.id::bigint * 4 + ${s.kind}, ${s.kind}, NEW.id, ${of('NEW')})
          ON CONFLICT (doc) DO UPDATE SET tsv = excluded.tsv;
        RETURN NEW;
      END
    $$`);
    await q.query(`CREATE TRIGGER ${s.table}_search AFTER INSERT OR DELETE OR UPDATE OF ${watched(s)} ON ${s.table} FOR EACH ROW EXECUTE FUNCTION registry_search_${s.table}()`);
    await q.query(`INSERT INTO search_documents (doc, kind, ref, tsv) SELECT t.id::bigint * 4 + ${s.kind}, ${s.kind}, t.id, ${of('t')} FROM ${s.table} t`);
  }
}
