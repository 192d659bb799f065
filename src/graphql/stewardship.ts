import fs from 'node:fs';
import { diff, CriticalityLevel, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

/** A breaking change the team decided to make, recorded with its reason. */
export interface IntendedChange {
  /** The path graphql-inspector reports (`Forum.year`), or its message. */
  change: string;
  reason: string;
}

export interface IntendedChanges {
  /** The release whose SDL is `schema/release.graphql`. */
  release: string;
  breaking: IntendedChange[];
}

export interface SchemaReport {
  breaking: Change[];
  /** Breaking changes nobody recorded as intended: these fail the check. */
  unrecorded: Change[];
  dangerous: Change[];
  safe: Change[];
}

/** Compares the current SDL with the last release's, as clients of that release see it. */
export async function compareSchemas(releasedSdl: string, currentSdl: string, intended: IntendedChange[]): Promise<SchemaReport> {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  const recorded = new Set(intended.map((i) => i.change));
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  return {
    breaking,
    unrecorded: breaking.filter((c) => !(c.path && recorded.has(c.path)) && !recorded.has(c.message)),
    dangerous: changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous),
    safe: changes.filter((c) => c.criticality.level === CriticalityLevel.NonBreaking),
  };
}

export function formatReport(report: SchemaReport, release: string): string {
  const lines = [`Schema against release ${release}: ${report.breaking.length} breaking (${report.unrecorded.length} not recorded as intended), ${report.dangerous.length} dangerous, ${report.safe.length} safe.`];
  const list = (title: string, changes: Change[]) => {
    if (changes.length) lines.push(`${title}:`, ...changes.map((c) => `  - ${c.path ?? ''}: ${c.message}`));
  };
  list('Breaking, not recorded in schema/intended-changes.json', report.unrecorded);
  list('Breaking, recorded as intended', report.breaking.filter((c) => !report.unrecorded.includes(c)));
  list('Dangerous (clients may behave differently)', report.dangerous);
  return lines.join('\n');
}

/** Reads the release SDL and the intended changes from files; the check `npm run schema:check` runs. */
export async function checkSchemaFiles(currentSdl: string, releaseFile: string, intendedFile: string): Promise<{ ok: boolean; text: string }> {
  const intended = JSON.parse(fs.readFileSync(intendedFile, 'utf8')) as IntendedChanges;
  const report = await compareSchemas(fs.readFileSync(releaseFile, 'utf8'), currentSdl, intended.breaking);
  return { ok: report.unrecorded.length === 0, text: formatReport(report, intended.release) };
}
