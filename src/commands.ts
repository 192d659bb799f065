import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { loadConfig } from './config';
import { sqliteFile } from './db/database';
import { bumpGeneration } from './db/generation';
import { backupSqlite } from './db/sqlite-backup';
import { openRegistryDatabase } from './registry';
import { exportRegistry, importRegistry } from './transfer';
import { loadSeeds, type SeedSummary } from '../seeds/loader';
import { describeSynthetic, existingSynthetic, generateSynthetic, syntheticSizeOf, type SyntheticSize } from '../seeds/synthetic';
import { CliError } from './ops/cli-errors';
import { CommandProgress, megabytes } from './ops/progress';

/**
 * The commands that may run for long (seed, synthetic seed, export, import,
 * backup): each shows its progress on standard error (a bar on a terminal,
 * lines otherwise) and ends with one line of what it did.
 */

/** Runs `work` with a progress display that ends at 100% when it succeeds and is left as it was when it fails. */
async function withProgress<T>(progress: CommandProgress, work: (report: CommandProgress['report']) => Promise<T>): Promise<T> {
  try {
    const result = await work(progress.report);
    progress.finish();
    return result;
  } catch (error) {
    progress.abandon();
    throw error;
  }
}

const counted = (summary: Pick<SeedSummary, 'regions' | 'organizations' | 'programs' | 'sessions'>) =>
  `${summary.regions} regions, ${summary.organizations} organizations, ${summary.programs} programs, ${summary.sessions} sessions`;

/** What a load of seeds/ did, or that it found nothing to do. */
export function seedReport(seeded: SeedSummary): string {
  const changes = Object.entries(seeded.changed).filter(([, n]) => n > 0);
  if (!changes.length) return `seed: nothing to do; the database already holds seeds/ as it is (${counted(seeded)} from ${seeded.files} file(s))`;
  return `seeded ${counted(seeded)} from ${seeded.files} file(s); added or changed: ${changes.map(([kind, n]) => `${n} ${kind}`).join(', ')}`;
}

export async function seedCommand(options: { synthetic?: SyntheticSize; replace?: boolean }): Promise<void> {
  if (options.replace && !options.synthetic) throw new CliError('--replace goes with --synthetic SIZE: it replaces a synthetic set');
  // Bulk work runs without the statement deadline that serving holds to.
  const db = await openRegistryDatabase(loadConfig(), { migrate: true, bulk: true });
  try {
    // Refused before anything is written: a synthetic set is replaced only when asked to.
    const existing = await existingSynthetic(db);
    const holdsOne = Object.values(existing).some((n) => n > 0);
    const size = options.synthetic;
    const wanted = size && describeSynthetic(syntheticSizeOf(size));
    if (size && holdsOne && !options.replace) {
      throw new CliError(`the database already holds a synthetic set (${describeSynthetic(existing)}); nothing was changed. \`registry seed --synthetic ${size} --replace\` deletes it and writes the ${size} set (${wanted})`);
    }
    const seeded = await withProgress(new CommandProgress('seed', 'records'), (report) => loadSeeds(db, undefined, report));
    console.log(seedReport(seeded));
    // Running servers stop serving what they cached or hold from before.
    if (Object.values(seeded.changed).some((n) => n > 0)) await db.transaction(bumpGeneration);
    if (!size) return;
    console.log(holdsOne ? `synthetic ${size}: replacing the synthetic set (${describeSynthetic(existing)}) with ${wanted}` : `synthetic ${size}: writing ${wanted}`);
    const started = Date.now();
    const made = await withProgress(new CommandProgress(`synthetic ${size}`, 'rows'), (onProgress) => generateSynthetic(db, size, { replace: options.replace, onProgress }));
    await db.transaction(bumpGeneration);
    console.log(`synthetic ${size}: ${describeSynthetic(made)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.close();
  }
}

/** The folder a new file goes into must exist: said in one line, before anything runs. */
function folderOf(target: string, what: string): void {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new CliError(`cannot write ${what} to ${target}: the folder ${dir} does not exist; create it first (mkdir -p ${dir})`);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new CliError(`cannot write ${what} to ${target}: it is a folder; name a file in it`);
}

export async function exportCommand(file: string): Promise<void> {
  const target = file === '-' ? undefined : path.resolve(file);
  if (target) folderOf(target, 'the export');
  const db = await openRegistryDatabase(loadConfig(), { migrate: true, bulk: true });
  try {
    const out = target ? fs.createWriteStream(target) : process.stdout;
    // Wait when the reader is slower (a pipe), so that memory stays flat; once() rejects if the stream fails.
    const write = (line: string) => (out.write(`${line}\n`) ? undefined : once(out, 'drain').then(() => undefined));
    const counts = await withProgress(new CommandProgress('export', 'rows'), (report) => exportRegistry(db, write, report));
    if (target) await new Promise<void>((resolve, reject) => (out as fs.WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
    console.error(`exported ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}${target ? ` to ${target}` : ''}`);
  } finally {
    await db.close();
  }
}

export async function importCommand(file: string): Promise<void> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new CliError(`cannot import ${source}: there is no such file`);
  const db = await openRegistryDatabase(loadConfig(), { migrate: true, bulk: true });
  try {
    const counts = await withProgress(new CommandProgress('import', 'MB', { format: megabytes }), (report) => importRegistry(db, source, report));
    await db.transaction(bumpGeneration);
    console.log(`imported ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}`);
  } finally {
    await db.close();
  }
}

export async function backupCommand(file: string): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl) throw new CliError('backup copies the embedded SQLite file; for PostgreSQL use pg_dump, or `registry export FILE`');
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new CliError(`${target} exists; a backup never overwrites: choose a new file name`);
  folderOf(target, 'the backup');
  const source = sqliteFile(config);
  if (!fs.existsSync(source)) throw new CliError(`there is no registry database at ${source} to back up; start the registry or run \`registry migrate\` first`);
  await withProgress(new CommandProgress('backup', 'MB', { format: megabytes }), (report) => backupSqlite(source, target, (written, expected) => report(written, expected)));
  console.log(`backed up ${source} to ${target} (${fs.statSync(target).size} bytes)`);
}
