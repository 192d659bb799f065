import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * A call's notes on costs are searched as part of its programme (a call has no
 * document of its own: the index's keys hold four kinds, and people look for
 * programmes): the programme's document gains them in its description column,
 * and a write to a call reindexes its programme in the same transaction.
 * The programme expressions repeat those of 1732900000000 with that addition.
 */

const PROGRAM_KIND = 2;

// ---- SQLite -------------------------------------------------------------------------------

const folded = (texts: string) => `replace(replace(${texts}, 'ё', 'е'), 'Ё', 'Е')`;
const texts = (json: string) => `COALESCE((SELECT group_concat(value, ' ') FROM json_each(${json})), '')`;
const callNotes = (program: string) => `COALESCE((SELECT group_concat(n.value, ' ') FROM calls c, json_each(c.cost_notes) n WHERE c.program_id = ${program}), '')`;

/** The programme document of row `row`, as the search migration writes it, its description followed by its call's notes. */
function sqliteProgramDocument(row: string): string {
  return `(${row}.id * 4 + ${PROGRAM_KIND}, ${folded(texts(`${row}.title`))}, ${folded(texts(`${row}.training_program`))}, ${folded(`${texts(`${row}.description`)} || ' ' || ${callNotes(`${row}.id`)}`)}, COALESCE(${row}.series, ''))`;
}

const INSERT = 'INSERT INTO search_index (rowid, name, training_program, description, extra)';

async function upSqlite(q: QueryRunner): Promise<void> {
  await q.query(`DROP TRIGGER programs_search_insert`);
  await q.query(`DROP TRIGGER programs_search_update`);
  await q.query(`CREATE TRIGGER programs_search_insert AFTER INSERT ON programs BEGIN ${INSERT} VALUES ${sqliteProgramDocument('new')}; END`);
  await q.query(
    `CREATE TRIGGER programs_search_update AFTER UPDATE OF title, training_program, description, series ON programs BEGIN DELETE FROM search_index WHERE rowid = old.id * 4 + ${PROGRAM_KIND}; ${INSERT} VALUES ${sqliteProgramDocument('new')}; END`,
  );
  // The programme's document again, from the programme row (none when the programme itself is being deleted).
  const reindex = (program: string) =>
    `DELETE FROM search_index WHERE rowid = ${program} * 4 + ${PROGRAM_KIND}; ${INSERT} SELECT ${sqliteProgramDocument('p').slice(1, -1)} FROM programs p WHERE p.id = ${program};`;
  await q.query(`CREATE TRIGGER calls_search_insert AFTER INSERT ON calls BEGIN ${reindex('new.program_id')} END`);
  await q.query(`CREATE TRIGGER calls_search_update AFTER UPDATE OF cost_notes, program_id ON calls BEGIN ${reindex('old.program_id')} ${reindex('new.program_id')} END`);
  await q.query(`CREATE TRIGGER calls_search_delete AFTER DELETE ON calls BEGIN ${reindex('old.program_id')} END`);
}

async function downSqlite(q: QueryRunner): Promise<void> {
  for (const when of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER IF EXISTS calls_search_${when}`);
  await q.query(`DROP TRIGGER programs_search_insert`);
  await q.query(`DROP TRIGGER programs_search_update`);
  const plain = (row: string) =>
    `(${row}.id * 4 + ${PROGRAM_KIND}, ${folded(texts(`${row}.title`))}, ${folded(texts(`${row}.training_program`))}, ${folded(texts(`${row}.description`))}, COALESCE(${row}.series, ''))`;
  await q.query(`CREATE TRIGGER programs_search_insert AFTER INSERT ON programs BEGIN ${INSERT} VALUES ${plain('new')}; END`);
  await q.query(
    `CREATE TRIGGER programs_search_update AFTER UPDATE OF title, training_program, description, series ON programs BEGIN DELETE FROM search_index WHERE rowid = old.id * 4 + ${PROGRAM_KIND}; ${INSERT} VALUES ${plain('new')}; END`,
  );
}

// ---- PostgreSQL ---------------------------------------------------------------------------

function postgresProgramVector(row: string, withCall: boolean): string {
  const weighted = (text: string, weight: string) => `setweight(to_tsvector('registry_search', registry_search_fold(${text})), '${weight}')`;
  const notes = `registry_search_texts((SELECT c.cost_notes FROM calls c WHERE c.program_id = ${row}.id))`;
  const description = withCall ? `registry_search_texts(${row}.description) || ' ' || ${notes}` : `registry_search_texts(${row}.description)`;
  return [weighted(`registry_search_texts(${row}.title)`, 'A'), weighted(`registry_search_texts(${row}.training_program)`, 'B'), weighted(description, 'C'), weighted(`${row}.series`, 'B')].join(' || ');
}

async function programFunction(q: QueryRunner, withCall: boolean): Promise<void> {
  await q.query(`CREATE OR REPLACE FUNCTION registry_search_programs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM search_documents WHERE doc = OLD.id::bigint * 4 + ${PROGRAM_KIND};
        RETURN OLD;
      END IF;
      INSERT INTO search_documents (doc, kind, ref, tsv) VALUES (NEW.id::bigint * 4 + ${PROGRAM_KIND}, ${PROGRAM_KIND}, NEW.id, ${postgresProgramVector('NEW', withCall)})
        ON CONFLICT (doc) DO UPDATE SET tsv = excluded.tsv;
      RETURN NEW;
    END
  $$`);
}

async function upPostgres(q: QueryRunner): Promise<void> {
  await programFunction(q, true);
  await q.query(`CREATE FUNCTION registry_search_calls() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE program INTEGER;
    BEGIN
      FOREACH program IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.program_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.program_id END] LOOP
        CONTINUE WHEN program IS NULL;
        -- Gone with its programme: the programme's own trigger removes the document.
        DELETE FROM search_documents WHERE doc = program::bigint * 4 + ${PROGRAM_KIND} AND NOT EXISTS (SELECT 1 FROM programs WHERE id = program);
        INSERT INTO search_documents (doc, kind, ref, tsv) SELECT p.id::bigint * 4 + ${PROGRAM_KIND}, ${PROGRAM_KIND}, p.id, ${postgresProgramVector('p', true)} FROM programs p WHERE p.id = program
          ON CONFLICT (doc) DO UPDATE SET tsv = excluded.tsv;
      END LOOP;
      RETURN NULL;
    END
  $$`);
  await q.query(`CREATE TRIGGER calls_search AFTER INSERT OR DELETE OR UPDATE OF cost_notes, program_id ON calls FOR EACH ROW EXECUTE FUNCTION registry_search_calls()`);
}

async function downPostgres(q: QueryRunner): Promise<void> {
  await q.query(`DROP TRIGGER IF EXISTS calls_search ON calls`);
  await q.query(`DROP FUNCTION IF EXISTS registry_search_calls()`);
  await programFunction(q, false);
}

export class CallSearch1733419100000 implements MigrationInterface {
  name = 'CallSearch1733419100000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') await upPostgres(q);
    else await upSqlite(q);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') await downPostgres(q);
    else await downSqlite(q);
  }
}
