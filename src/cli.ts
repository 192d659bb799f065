import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createKey, listKeys, revokeKey, ROLES, type Role } from './auth/keys';
import { ConfigError, loadConfig } from './config';
import { openRegistryDatabase, printRegistrySchema, printSubgraphSdl } from './registry';
import { versionLine } from './ops/build-info';
import { startReport } from './ops/start-report';
import { serve } from './server';
import { SYNTHETIC_SIZES, type SyntheticSize } from '../seeds/synthetic';
import { backupCommand, exportCommand, importCommand, seedCommand } from './commands';
import { oneLine } from './ops/cli-errors';

function syntheticSize(value: string): SyntheticSize {
  if (!(value in SYNTHETIC_SIZES)) throw new InvalidArgumentError(`choose one of ${Object.keys(SYNTHETIC_SIZES).join(', ')}`);
  return value as SyntheticSize;
}

export function buildCli(): Command {
  const program = new Command('registry')
    .description('The registry of youth-policy programmes of the CIS space.')
    .version(`registry ${versionLine()}`, '-V, --version', 'print the version and the git commit');

  program
    .command('serve')
    .description('Serve GraphQL at /graphql (migrating and seeding an empty database first).')
    .action(async () => {
      const registry = await serve();
      // bin/registry runs the compiled build (dist/) when it is current, else the TypeScript sources.
      const code = __filename.endsWith('.js') ? 'compiled build' : 'TypeScript sources';
      for (const line of startReport(registry, code)) console.log(line);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`registry stopping on ${signal}: no new connections, finishing requests in flight`);
        try {
          await registry.stop();
        } catch (error) {
          console.error(`registry: stopping failed: ${(error as Error).message}`);
          process.exit(1);
        }
        console.log('registry stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });

  program
    .command('migrate')
    .description('Bring the database schema up to date.')
    .action(async () => {
      const db = await openRegistryDatabase(loadConfig(), { migrate: true, bulk: true });
      const [row] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS "n" FROM migrations');
      console.log(`database schema up to date (${row.n} migrations applied)`);
      await db.close();
    });

  program
    .command('seed')
    .description('Load seeds/ (idempotent: says "nothing to do" when the database holds them already); with --synthetic, also a generated data set.')
    .option('--synthetic <size>', `add deterministic generated data: ${Object.keys(SYNTHETIC_SIZES).join(' | ')}`, syntheticSize)
    .option('--replace', 'with --synthetic: delete the synthetic set the database holds, and write the new one')
    .action((options: { synthetic?: SyntheticSize; replace?: boolean }) => seedCommand(options));

  program
    .command('export <file>')
    .description('Write the whole registry as JSON lines ("-" for standard output), to import into another database.')
    .action((file: string) => exportCommand(file));

  program
    .command('import <file>')
    .description('Load an export into this (empty) registry, keeping every id.')
    .action((file: string) => importCommand(file));

  program
    .command('backup <file>')
    .description('Write a consistent copy of the SQLite database, also while the server runs.')
    .action((file: string) => backupCommand(file));

  const keys = program.command('keys').description('API keys for writing (and reading, where reads are not public).');
  keys
    .command('create')
    .description('Make a key; it is printed once and only its hash is stored.')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, (value: string) => {
      if (!ROLES.includes(value as Role)) throw new InvalidArgumentError(`choose one of ${ROLES.join(', ')}`);
      return value as Role;
    })
    .option('--label <text>', 'who or what the key is for')
    .action(async (options: { role: Role; label?: string }) => {
      const db = await openRegistryDatabase(loadConfig());
      const created = await createKey(db, options.role, options.label ?? null);
      console.log(created.key);
      console.error(`key ${created.id} (${created.role}) created; it is shown only this once`);
      await db.close();
    });
  keys
    .command('list')
    .description('List keys: id, prefix, role, label, when created and revoked.')
    .action(async () => {
      const db = await openRegistryDatabase(loadConfig());
      for (const k of await listKeys(db)) console.log([k.id, k.prefix, k.role, k.label ?? '-', k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active'].join('\t'));
      await db.close();
    });
  keys
    .command('revoke <idOrPrefix>')
    .description('Revoke a key by its id or printed prefix.')
    .action(async (idOrPrefix: string) => {
      const db = await openRegistryDatabase(loadConfig());
      const revoked = await revokeKey(db, idOrPrefix);
      await db.close();
      if (!revoked) throw new Error(`no active key ${idOrPrefix}`);
      console.log(`key ${idOrPrefix} revoked`);
    });

  const schema = program.command('schema').description('The GraphQL schema.');
  schema
    .command('print')
    .description('Print the SDL (or write it to a file).')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--subgraph', 'print the federation subgraph SDL (`_service { sdl }`) instead of the client schema')
    .action(async (options: { out?: string; subgraph?: boolean }) => {
      const sdl = options.subgraph ? await printSubgraphSdl() : await printRegistrySchema();
      if (options.out) fs.writeFileSync(path.resolve(options.out), sdl);
      else process.stdout.write(sdl);
    });

  schema
    .command('check')
    .description('Compare the schema with the last release; fail on a breaking change not recorded as intended.')
    .option('--release <file>', 'SDL of the last release', 'schema/release.graphql')
    .option('--intended <file>', 'breaking changes recorded as intended', 'schema/intended-changes.json')
    .action(async (options: { release: string; intended: string }) => {
      // Loaded here: the inspector is a development tool, not part of serving.
      const { checkSchemaFiles } = await import('./graphql/stewardship');
      const { ok, text } = await checkSchemaFiles(await printRegistrySchema(), path.resolve(options.release), path.resolve(options.intended));
      console.log(text);
      if (!ok) process.exitCode = 1;
    });

  return program;
}

/** Runs the command line; a bad configuration, a mistake or a failure stops it with one clear line, never a stack. */
export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`registry export - | head`) closes the pipe: the output is no longer wanted, which is no error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    console.error(`registry: ${oneLine(error)}`);
    process.exit(1);
  });
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    console.error(`registry: ${oneLine(error)}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
