#!/usr/bin/env node
'use strict';
// The fast path against the libraries that could replace it: the same schema, the same resolvers and loaders, the
// same database, in one process, with no HTTP in between. Per query and executor: the median time of one execution
// with a fresh request context, the executors taking turns, and whether each answer equals graphql-js's.
//
//   npm run build && node bench/executors.js
//
// EXECUTORS_DATABASE_URL (a PostgreSQL database holding the benchmark's data, e.g. postgres://postgres@127.0.0.1:5432/bench_registry)
// or the benchmark's SQLite set (bench/.data/sqlite-medium, made by `npm run bench`); EXECUTORS_ROUNDS (default 200).
//
//   graphql-js   graphql's execute over the type-graphql schema and the declared resolvers (the plain path)
//   graphql-jit  graphql-jit 0.8 compileQuery over the same schema and resolvers, compiled once per query; fields
//                without a resolver get graphql-js's default one, since graphql-jit reads properties without calling
//                them and the registry's connections are lazy (their edges, nodes and totalCount are functions)
//   fast path    the registry's planner and executor (src/engine/fast-path.ts), rendering in the database where it can
require('reflect-metadata');
const path = require('node:path');
const fs = require('node:fs');
const { execute, parse, getOperationAST, defaultFieldResolver } = require('graphql');
const { mapSchema, MapperKind } = require('@graphql-tools/utils');
const { compileQuery, isCompiledQuery } = require('graphql-jit');
const { queries } = require('./lib/queries');

const DIST = path.join(__dirname, '..', 'dist', 'src');
if (!fs.existsSync(DIST)) {
  console.error('bench/executors.js: run `npm run build` first');
  process.exit(2);
}
const { loadConfig } = require(path.join(DIST, 'config'));
const { openRegistryDatabase, servedSchema, servedFastPath } = require(path.join(DIST, 'registry'));
const { createContext } = require(path.join(DIST, 'engine', 'context'));
const { executeFast } = require(path.join(DIST, 'engine', 'fast-path'));
const { stringifyResponse } = require(path.join(DIST, 'engine', 'rendered'));

const rounds = Number(process.env.EXECUTORS_ROUNDS || 200);
const pgUrl = process.env.EXECUTORS_DATABASE_URL || '';
const sqliteDir = path.join(__dirname, '.data', 'sqlite-medium');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

async function main() {
  if (!pgUrl && !fs.existsSync(path.join(sqliteDir, 'registry.sqlite'))) throw new Error(`no data: run npm run bench once (it makes ${sqliteDir}) or set EXECUTORS_DATABASE_URL`);
  const db = await openRegistryDatabase(loadConfig({ ...process.env, DATABASE_URL: pgUrl, REGISTRY_DATA_DIR: sqliteDir, PORT: '0' }), { migrate: false });
  const schema = await servedSchema();
  const fast = await servedFastPath();
  const jitSchema = mapSchema(schema, { [MapperKind.OBJECT_FIELD]: (field) => (field.resolve ? field : { ...field, resolve: defaultFieldResolver }) });
  const rows = [];
  try {
    for (const q of queries()) {
      const document = parse(q.registry.query);
      const operation = getOperationAST(document, q.registry.operationName);
      const variables = { ...q.registry.variables };
      if (q.name === 'node') {
        const found = await execute({ schema, document: parse('{ internships(first: 1) { nodes { id } } }'), contextValue: createContext(db) });
        variables.id = found.data.internships.nodes[0].id;
      }
      const compiled = compileQuery(jitSchema, document, q.registry.operationName);
      if (!isCompiledQuery(compiled)) throw new Error(`graphql-jit could not compile ${q.name}: ${JSON.stringify(compiled.errors)}`);
      const executors = {
        'graphql-js': async () => JSON.stringify(await execute({ schema, document, operationName: q.registry.operationName, variableValues: variables, contextValue: createContext(db) })),
        'graphql-jit': async () => JSON.stringify(await compiled.query(undefined, createContext(db), variables)),
        'fast path': async () => {
          const ctx = createContext(db);
          const result = await executeFast(schema, fast, document, operation, variables, ctx);
          if ('fallback' in result) throw new Error(`the fast path declined ${q.name}: ${result.fallback.reason}`);
          return stringifyResponse({ data: result.data });
        },
      };
      // Search is answered by graphql-js alone (its resolvers are written by hand); the fast path declines it.
      if (q.name === 'search') delete executors['fast path'];
      const reference = JSON.parse(await executors['graphql-js']());
      if (reference.errors) throw new Error(`${q.name}: ${JSON.stringify(reference.errors)}`);
      const same = {};
      for (const [name, run] of Object.entries(executors)) {
        const answer = JSON.parse(await run());
        same[name] = JSON.stringify(answer) === JSON.stringify(reference) ? 'same' : `DIFFERENT: ${answer.errors?.[0]?.message.split('. ')[0] ?? 'other data'}`;
        for (let i = 0; i < 10; i++) await run(); // warm-up
      }
      const times = Object.fromEntries(Object.keys(executors).map((name) => [name, []]));
      for (let i = 0; i < rounds; i++) {
        const names = Object.keys(executors);
        // A different executor goes first each round.
        for (let k = 0; k < names.length; k++) {
          const name = names[(i + k) % names.length];
          const start = process.hrtime.bigint();
          await executors[name]();
          times[name].push(ms(start));
        }
      }
      const base = median(times['graphql-js']);
      for (const name of Object.keys(executors)) {
        const m = median(times[name]);
        rows.push(`| ${q.name} | ${name} | ${m.toFixed(2)} | ${(base / m).toFixed(2)}x | ${same[name]} |`);
      }
      console.error(rows.slice(-Object.keys(executors).length).join('\n'));
    }
  } finally {
    await db.close();
  }
  console.log(`${pgUrl ? 'PostgreSQL' : 'SQLite'}, ${rounds} rounds, Node ${process.version}, load average ${require('node:os').loadavg().map((l) => l.toFixed(1)).join(' / ')}\n`);
  console.log('| query | executor | median ms | speed vs graphql-js | answer vs graphql-js |');
  console.log('|---|---|---:|---:|---|');
  for (const row of rows) console.log(row);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
