import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds, up to `ms`; fails with `what` otherwise. */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

/**
 * A redis-server of the test's own, on a spare port: it can be stopped,
 * paused (SIGSTOP), resumed and started again, which the project's shared
 * Redis must never be. With `persist`, it saves its data on stop and loads
 * it on start, as a production Redis with snapshots does.
 */
export class TestRedis {
  private child?: ChildProcess;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-redis-'));

  private constructor(
    readonly port: number,
    private readonly persist: boolean,
  ) {}

  static async start(options: { persist?: boolean } = {}): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), options.persist ?? false);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'no', '--save', this.persist ? '3600 1' : ''];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${out}`));
      });
    });
    child.removeAllListeners('exit');
  }

  /** SIGTERM: a clean stop (saving first when persistent). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
}

/**
 * A TCP proxy in front of a dependency that can, like a network, pass
 * traffic, blackhole it (connections stay open, nothing arrives either way,
 * new ones are accepted and hang) or refuse it (every connection is cut and
 * new ones are refused), and resume, delivering what was held back, as TCP
 * does when packets flow again.
 */
export class TcpProxy {
  private server: net.Server;
  private readonly pairs = new Set<Pair>();
  private mode: 'open' | 'blackhole' | 'refused' = 'open';

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    this.server = this.listener();
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), { host: targetHost, port: targetPort });
    await proxy.listen();
    return proxy;
  }

  private listener(): net.Server {
    return net.createServer((client) => {
      const pair: Pair = { client };
      this.pairs.add(pair);
      client.on('error', () => {});
      client.on('close', () => {
        pair.upstream?.destroy();
        this.pairs.delete(pair);
      });
      if (this.mode === 'open') this.connect(pair);
      else client.pause();
    });
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private connect(pair: Pair): void {
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
    this.forward(pair.client, upstream);
    this.forward(upstream, pair.client);
    pair.client.resume();
  }

  /** Copies one way; while blackholed a paused socket leaves what it has not read in the kernel, as a silent network would. */
  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      from.pause();
      to.once('drain', () => {
        if (this.mode === 'open') from.resume();
      });
    });
  }

  /** Nothing passes either way; connections stay open and new ones are accepted and held. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /** Every connection is cut and new ones are refused. */
  async refuse(): Promise<void> {
    this.mode = 'refused';
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    await closed;
  }

  /** Traffic flows again; what was held back is delivered. */
  async resume(): Promise<void> {
    if (this.mode === 'refused') {
      this.server = this.listener();
      await this.listen();
    }
    this.mode = 'open';
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connect(pair);
      else {
        pair.client.resume();
        pair.upstream.resume();
      }
    }
  }

  async close(): Promise<void> {
    if (this.mode !== 'refused') await this.refuse();
  }
}

/** A pino logger whose JSON lines the test can read. */
export function capturedLogger(): { logger: Logger; lines: () => Array<Record<string, any>> } {
  const text: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'info', base: { service: 'program-registry' } }, sink);
  return {
    logger,
    lines: () =>
      text
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>),
  };
}

/** The value of one Prometheus sample, or undefined when the series is absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Runs `send` and answers its result with how long it took. */
export async function timed<T>(send: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await send();
  return { value, ms: performance.now() - started };
}
