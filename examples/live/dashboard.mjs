// A live dashboard: prints each change to a program in Russia as it commits.
// npm install graphql-ws ws; node dashboard.mjs http://127.0.0.1:4000/graphql
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = (process.argv[2] ?? 'http://127.0.0.1:4000/graphql').replace(/^http/, 'ws');
const client = createClient({
  url,
  webSocketImpl: WebSocket, // a browser has its own WebSocket: leave this out there
  connectionParams: process.env.REGISTRY_KEY ? { authorization: `Bearer ${process.env.REGISTRY_KEY}` } : {},
});

const query = `subscription Dashboard($filter: ProgramFilter) {
  programChanged(filter: $filter) {
    kind
    id
    generation
    program { slug title status location { code name } sessions(first: 3) { nodes { title startsAt } } }
  }
}`;

const events = client.iterate({ query, variables: { filter: { regionCode: 'RU' } } });
console.log('listening');
for await (const { data, errors } of events) {
  if (errors) throw new Error(errors[0].message);
  const { kind, program, id } = data.programChanged;
  console.log(kind, program ? `${program.slug}: ${program.title} (${program.location?.name ?? 'nowhere'})` : id);
  if (process.env.EXIT_AFTER_ONE) break;
}
await client.dispose();
