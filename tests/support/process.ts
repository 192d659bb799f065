import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';

export const REGISTRY_BIN = path.join(__dirname, '..', '..', 'bin', 'registry');

/** Runs `registry <args>` to completion, without blocking the event loop (servers in this process keep answering). */
export async function registryCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [REGISTRY_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export interface RegistryProcess {
  child: ChildProcess;
  url: string;
  /** Everything written to standard output so far. */
  stdout(): string;
  /** Everything written to standard error so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
}

/** Starts `registry serve` as its own process (PORT=0) and waits until it says where it listens. */
export function spawnRegistry(env: Record<string, string>): Promise<RegistryProcess> {
  const child = spawn(process.execPath, [REGISTRY_BIN, 'serve'], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start in 30 s:\n${out}\n${err}`)), 30_000);
    const watch = () => {
      const match = /registry serving (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', watch);
      resolve({ child, url: match[1], stdout: () => out, stderr: () => err, exited });
    };
    child.stdout!.on('data', watch);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited (${code}) before serving:\n${out}\n${err}`));
    });
  });
}

/** Posts one GraphQL operation to a running registry. */
export async function post<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: { data?: T; errors?: any[] } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: T; errors?: any[] } };
}
