import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startTestRegistry, type TestRegistry } from './support/registry';

const ROOT = path.join(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'client', 'archived-forums.ts');

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.stop());

describe('a client developer starts from the example client', () => {
  it('type-checks with the typed operation codegen made, Date scalars as strings', () => {
    expect(fs.existsSync(path.join(ROOT, 'examples', 'client', 'gql', 'gql.ts'))).toBe(true); // `npm run codegen` (npm test's pretest) writes it
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const program = ts.createProgram([EXAMPLE], { ...config.options, noEmit: true });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
    // Without the scalar mapping the preset types dates as `unknown`, and the example's `Array<string | null>` would not compile.
    const generated = fs.readFileSync(path.join(ROOT, 'examples', 'client', 'gql', 'graphql.ts'), 'utf8');
    expect(generated).toMatch(/startsOn: string \| null/);
    expect(generated).not.toMatch(/startsOn: unknown|startsOn: any/);
  });

  it('runs against a live registry, as the README says to run it', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', EXAMPLE, registry.url], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      '1 archived forum(s)',
      'azerbaijan-russian-youth-forum-2021 (2021): Azerbaijan-Russian Youth Forum 2021; internships baku-internship-2021 on 2021-12-25 to 2021-12-28',
      '',
    ]);
  });

  it('gets typed data from the same function called in a program', async () => {
    const { archivedForums } = await import('../examples/client/archived-forums');
    const forums = await archivedForums(registry.url, 5);
    const day: string | null = forums.nodes[0].internships.nodes[0].startsOn;
    expect(day).toBe('2021-12-25');
    expect(forums).toEqual({
      totalCount: 1,
      nodes: [
        {
          slug: 'azerbaijan-russian-youth-forum-2021',
          title: 'Azerbaijan-Russian Youth Forum 2021',
          year: 2021,
          startsOn: null,
          internships: { nodes: [{ slug: 'baku-internship-2021', startsOn: '2021-12-25', endsOn: '2021-12-28', participantCount: 27 }] },
        },
      ],
    });
  });
});
