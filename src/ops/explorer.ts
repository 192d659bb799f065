import { toGlobalId } from '../engine';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Kind, parse, visit, type DocumentNode } from 'graphql';
import type { Database } from '../db/database';
import { PROJECT_ROOT } from '../paths';

const OPERATIONS = path.join(PROJECT_ROOT, 'schema', 'operations');
/** Built by scripts/build-explorer.js from explorer/src/ and committed. */
const BUNDLE = path.join(PROJECT_ROOT, 'explorer', 'bundle');

/** Variables the example operations need, pointing at the founding document's records. */
export async function exampleVariables(db: Database): Promise<Record<string, unknown>> {
  const [internship] = await db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'baku-internship-2021'`);
  const id = internship ? toGlobalId('Internship', Number(internship.id)) : undefined;
  return { slug: 'baku-internship-2021', code: 'CIS', regionCode: 'AZ', query: 'Baku', id, ids: id ? [id] : [], lang: 'EN', first: 10 };
}

/** Values for a variable by the argument it feeds, where its name alone is ambiguous (`$slug` of an organization or of an internship). */
async function argumentExamples(db: Database): Promise<Record<string, unknown>> {
  const [organizer] = await db.query<{ slug: string }>(
    `SELECT o.slug FROM organizations o JOIN program_organizers po ON po.organization_id = o.id JOIN programs p ON p.id = po.program_id WHERE p.slug = 'baku-internship-2021' ORDER BY po.position`,
  );
  const [forum] = await db.query<{ slug: string }>(`SELECT f.slug FROM programs f JOIN programs p ON p.forum_id = f.id WHERE p.slug = 'baku-internship-2021'`);
  return { 'organization.slug': organizer?.slug, 'forum.slug': forum?.slug, 'internship.slug': 'baku-internship-2021' };
}

/**
 * The variables one file of operations needs: each variable any of its
 * operations declares and an example exists for, valued by the argument it
 * feeds first, else by its name. Optional variables without an example are
 * left out, so the variables editor marks none as unused.
 */
export function tabVariables(document: DocumentNode, byName: Record<string, unknown>, byArgument: Record<string, unknown>): Record<string, unknown> {
  const declared = new Set<string>();
  const fed = new Map<string, string>();
  let field = '';
  visit(document, {
    VariableDefinition: (node) => void declared.add(node.variable.name.value),
    Field: (node) => void (field = node.name.value),
    Argument: (node) => {
      if (node.value.kind === Kind.VARIABLE && !fed.has(node.value.name.value)) fed.set(node.value.name.value, `${field}.${node.name.value}`);
    },
  });
  const variables: Record<string, unknown> = {};
  for (const name of declared) {
    const argument = fed.get(name);
    const value = argument !== undefined && byArgument[argument] !== undefined ? byArgument[argument] : byName[name];
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}

/** The example tabs: one per file of schema/operations/, the internship page first (what a new analyst asks about). */
export async function exampleTabs(db: Database): Promise<Array<{ file: string; query: string; variables: string }>> {
  const files = fs.existsSync(OPERATIONS) ? fs.readdirSync(OPERATIONS).filter((f) => f.endsWith('.graphql')).sort() : [];
  files.sort((a, b) => Number(b === 'internship.graphql') - Number(a === 'internship.graphql'));
  const [byName, byArgument] = await Promise.all([exampleVariables(db), argumentExamples(db)]);
  return files.map((file) => {
    const query = fs.readFileSync(path.join(OPERATIONS, file), 'utf8');
    return { file, query, variables: JSON.stringify(tabVariables(parse(query), byName, byArgument), null, 2) };
  });
}

/** What the page's script reads at start (explorer/src/main.tsx, ExplorerConfig). */
export interface ExplorerSettings {
  endpoint: string;
  /** Ask every run for its statements: on in development, where anyone may; in production only a keyed caller may, so off until asked. */
  explainByDefault: boolean;
  production: boolean;
}

/** JSON that is safe inside a script element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

// Nothing may be loaded from elsewhere: the page is whole, and the browser is told so.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline' blob:",
  'worker-src blob:',
  "style-src 'unsafe-inline'",
  'font-src data:',
  'img-src data: blob:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The explorer page: GraphiQL and the registry's own panels, one script and
 * one style inlined into the page (nothing from the internet), one tab per
 * file of example operations. Built on first use and kept gzipped, so a
 * server no analyst opens never reads the bundle (about 7 MB).
 */
export function createExplorer(db: Database, settings: ExplorerSettings): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  let page: Promise<{ gzipped: Buffer }> | undefined;
  const build = async () => {
    const tabs = await exampleTabs(db);
    const config = { ...settings, tabs: tabs.map(({ query, variables }) => ({ query, variables })) };
    // Buffers, not strings: the 7 MB page is never held as a JavaScript string, and only its gzip stays.
    const [script, style] = ['explorer.js', 'explorer.css'].map((name) => fs.readFileSync(path.join(BUNDLE, name)));
    const html = Buffer.concat([
      Buffer.from(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Program Registry explorer</title>
<link rel="icon" href="data:,">
<style>`),
      style,
      Buffer.from(`</style>
</head>
<body>
<noscript>The explorer needs JavaScript.</noscript>
<div id="root"></div>
<script id="registry-explorer-config" type="application/json">${scriptJson(config)}</script>
<script>`),
      script,
      Buffer.from('</script>\n</body>\n</html>\n'),
    ]);
    return { gzipped: gzipSync(html) };
  };
  return async (req, res) => {
    const { gzipped } = await (page ??= build().catch((error) => {
      page = undefined;
      throw error;
    }));
    const headers = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CONTENT_SECURITY_POLICY, 'cache-control': 'no-cache', vary: 'accept-encoding' };
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
      res.end(gzipped);
    } else {
      // Rare (browsers all take gzip): unzipped per request rather than held.
      res.writeHead(200, headers);
      res.end(gunzipSync(gzipped));
    }
  };
}

/** A browser asking for a page, not a GraphQL client asking for JSON. */
export function wantsExplorer(method: string | undefined, accept: string | undefined, search: string): boolean {
  return method === 'GET' && !new URLSearchParams(search).has('query') && /text\/html/.test(accept ?? '');
}
