import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';

/** What is running: shown by `registry --version`, in /healthz and as the registry_build_info metric. */
export interface BuildInfo {
  version: string;
  /** The git commit, or "unknown" (a copy without .git and without REGISTRY_COMMIT). */
  commit: string;
  /** Where the commit was read from, for the one line that says so at start. */
  commitFrom: 'REGISTRY_COMMIT' | 'git' | 'unknown';
  node: string;
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** The checkout's HEAD commit, read from .git's files (a worktree's .git is a file naming its folder); no git process. */
export function gitCommit(root = PROJECT_ROOT): string | undefined {
  let gitDir = path.join(root, '.git');
  const pointer = read(gitDir);
  if (pointer !== undefined) {
    const named = /^gitdir:\s*(.+)$/m.exec(pointer)?.[1];
    if (!named) return undefined;
    gitDir = path.resolve(root, named);
  }
  const head = read(path.join(gitDir, 'HEAD'));
  if (!head) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const common = read(path.join(gitDir, 'commondir'));
  const commonDir = common ? path.resolve(gitDir, common) : gitDir;
  for (const dir of [gitDir, commonDir]) {
    const sha = read(path.join(dir, ref));
    if (sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  const packed = read(path.join(commonDir, 'packed-refs')) ?? '';
  return packed.split('\n').map((line) => line.split(' ')).find(([sha, name]) => name === ref && /^[0-9a-f]{40}$/.test(sha))?.[0];
}

let cached: BuildInfo | undefined;

/** Version from package.json; commit from REGISTRY_COMMIT (set it in images without .git), else from the checkout. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  const fromEnv = process.env.REGISTRY_COMMIT?.trim();
  const fromGit = fromEnv ? undefined : gitCommit();
  cached = {
    version,
    commit: fromEnv || fromGit || 'unknown',
    commitFrom: fromEnv ? 'REGISTRY_COMMIT' : fromGit ? 'git' : 'unknown',
    node: process.versions.node,
  };
  return cached;
}

/** One line: `0.1.0 (commit 1a2b3c4d5e6f)`. */
export function versionLine(info = buildInfo()): string {
  return `${info.version} (commit ${info.commit === 'unknown' ? 'unknown' : info.commit.slice(0, 12)})`;
}
