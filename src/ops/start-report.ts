import { sqliteFile } from '../db/database';
import type { Registry } from '../server';
import { buildInfo, versionLine } from './build-info';

/** A database URL without its password, fit to print. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * What `registry serve` prints once it listens: what runs, on which
 * database, what the start migrated or seeded, and where to go next. The
 * "registry serving URL" line keeps its form: scripts and tests wait for it.
 */
export function startReport({ config, server, started }: Registry, code: string): string[] {
  const base = server.url.replace(/\/graphql$/, '');
  const database = config.databaseUrl ? `PostgreSQL at ${redactedUrl(config.databaseUrl)}` : `SQLite file ${sqliteFile(config)}`;
  const migrated = started.migrated.length ? `applied ${started.migrated.length} migration(s): ${started.migrated.join(', ')}` : 'schema up to date (no migration to apply)';
  const seed = started.seeded;
  const seeded = seed
    ? `seeded the empty database from seeds/: ${seed.regions} regions, ${seed.organizations} organizations, ${seed.programs} programs, ${seed.sessions} sessions`
    : 'not seeded (it already holds programs; `registry seed` updates it)';
  return [
    `registry ${versionLine()}, Node.js ${process.versions.node}, process ${process.pid}, from the ${code}`,
    `database: ${database}; ${migrated}; ${seeded}`,
    `registry serving ${server.url} (${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}; ${code})`,
    `explorer: open ${server.url} in a browser`,
    `health: ${base}/healthz and ${base}/readyz; metrics: ${base}/metrics`,
    ...(buildInfo().commitFrom === 'unknown' ? ['commit unknown: no .git in this copy; set REGISTRY_COMMIT to name it in /healthz and registry_build_info'] : []),
    'stop: Ctrl-C or SIGTERM (requests in flight are finished first)',
  ];
}
