import 'reflect-metadata';
import fs from 'node:fs';
import { loadConfig } from './src/config';
import { openRegistryDatabase } from './src/registry';
import { startHttpServer } from './src/http';
async function main() {
  const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/bench_registry', PORT: '0', REGISTRY_EXPLAIN: '1', REGISTRY_LOG_LEVEL: 'silent' };
  const db = await openRegistryDatabase(loadConfig(env));
  const server = await startHttpServer(loadConfig(env), db);
  const query = fs.readFileSync('schema/operations/' + process.argv[2], 'utf8');
  const r = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, operationName: process.argv[3], variables: JSON.parse(process.argv[4]) }) });
  const body: any = await r.json();
  fs.writeFileSync('/tmp/statements.json', JSON.stringify(body.extensions.explain.sql, null, 1));
  console.log(body.extensions.explain.executor, body.extensions.explain.sql.join('\n\n'));
  await server.close(); await db.close();
}
main();
