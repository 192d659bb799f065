import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where programmes without a call sort in the deadline order: after every real deadline. */
export const NO_DEADLINE = '9999-12-31T23:59:59.999Z';
/** The deadline order's key, as the indexes below hold it and the lists sort by it (src/programs/filter.ts). */
export const CLOSES_KEY = `COALESCE(call_closes_at, '${NO_DEADLINE}')`;

const INDEXES: Array<[name: string, columns: string]> = [
  ['idx_programs_type_closes_key', `type, (${CLOSES_KEY}), id`],
  ['idx_programs_closes_key', `(${CLOSES_KEY}), id`],
];

/**
 * The deadline order (`ProgramOrderField.CLOSES_AT`) served by an index, as
 * every other order is (issue 18, tests/list-plans.test.ts). Sorting
 * programmes by a subquery on `calls` sorted every programme for every
 * page; here each programme carries its call's deadline in
 * `call_closes_at`, kept by triggers on `calls` in the writing transaction
 * (one call per programme: `calls.program_id` is unique), and two indexes
 * on the key serve the lists with and without a type.
 */
export class CallOrder1733600000000 implements MigrationInterface {
  name = 'CallOrder1733600000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.driver.options.type === 'postgres';
    // A plain ADD COLUMN: in place on both databases (TypeORM's addColumn would rebuild the SQLite table).
    await q.query(`ALTER TABLE programs ADD COLUMN call_closes_at varchar(30)`);
    await q.query(`UPDATE programs SET call_closes_at = (SELECT c.closes_at FROM calls c WHERE c.program_id = programs.id)`);
    if (postgres) {
      await q.query(`CREATE FUNCTION registry_call_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE programs SET call_closes_at = NULL WHERE id = OLD.program_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE programs SET call_closes_at = NEW.closes_at WHERE id = NEW.program_id;
  END IF;
  RETURN NULL;
END $$`);
      await q.query(`CREATE TRIGGER calls_deadline AFTER INSERT OR DELETE OR UPDATE OF closes_at, program_id ON calls FOR EACH ROW EXECUTE FUNCTION registry_call_deadline()`);
    } else {
      await q.query(`CREATE TRIGGER calls_deadline_insert AFTER INSERT ON calls BEGIN UPDATE programs SET call_closes_at = new.closes_at WHERE id = new.program_id; END`);
      await q.query(
        `CREATE TRIGGER calls_deadline_update AFTER UPDATE OF closes_at, program_id ON calls BEGIN UPDATE programs SET call_closes_at = NULL WHERE id = old.program_id; UPDATE programs SET call_closes_at = new.closes_at WHERE id = new.program_id; END`,
      );
      await q.query(`CREATE TRIGGER calls_deadline_delete AFTER DELETE ON calls BEGIN UPDATE programs SET call_closes_at = NULL WHERE id = old.program_id; END`);
    }
    for (const [name, columns] of INDEXES) await q.query(`CREATE INDEX "${name}" ON programs (${columns})`);
  }

  async down(q: QueryRunner): Promise<void> {
    const postgres = q.connection.driver.options.type === 'postgres';
    for (const [name] of INDEXES) await q.query(`DROP INDEX "${name}"`);
    if (postgres) {
      await q.query(`DROP TRIGGER IF EXISTS calls_deadline ON calls`);
      await q.query(`DROP FUNCTION IF EXISTS registry_call_deadline()`);
    } else {
      for (const when of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER IF EXISTS calls_deadline_${when}`);
    }
    await q.query(`ALTER TABLE programs DROP COLUMN call_closes_at`);
  }
}
