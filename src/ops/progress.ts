import { SingleBar } from 'cli-progress';

/** How a long operation tells how far it is: `done` of `total` units, and what it is doing now. */
export type OnProgress = (done: number, total: number, stage?: string) => void;

export interface ProgressOptions {
  /** Where it is written: standard error, so that standard output stays the command's own (`export -`). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** A bar (on a terminal) or lines; by default, whether the stream is a terminal. */
  tty?: boolean;
  /** Without a terminal, at most one line per this many milliseconds between the first and the last (REGISTRY_PROGRESS_INTERVAL_MS). */
  intervalMs?: number;
  /** How a number of units reads (`12.5 MB` for bytes). */
  format?: (units: number) => string;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** The default interval between progress lines when no terminal shows a bar. */
export function progressInterval(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.REGISTRY_PROGRESS_INTERVAL_MS);
  return env.REGISTRY_PROGRESS_INTERVAL_MS !== undefined && Number.isFinite(value) && value >= 0 ? value : 2000;
}

/**
 * Progress of one long command (seed, synthetic seed, import, export,
 * backup): a cli-progress bar on a terminal, otherwise a line at the start,
 * one at most every interval while it runs, and one at the end, so that logs
 * of a job show it is alive without a line per row.
 */
export class CommandProgress {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly format: (units: number) => string;
  private readonly intervalMs: number;
  private bar?: SingleBar;
  private total = 0;
  private done = 0;
  private stage = '';
  private started = 0;
  private lastLine = 0;
  /** Where the last line was, so that the end is not said twice. */
  private lineAt = -1;
  private finished = false;

  constructor(
    private readonly label: string,
    private readonly unit: string,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.format = options.format ?? count;
    this.intervalMs = options.intervalMs ?? progressInterval();
    if (options.tty ?? Boolean(this.stream.isTTY)) {
      this.bar = new SingleBar({
        stream: this.stream as NodeJS.WriteStream,
        format: `${label} [{bar}] {percentage}% | {doneText}/{totalText} ${unit} | {stage} | {duration_formatted}`,
        barCompleteChar: '\u2588',
        barIncompleteChar: '\u2591',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        // Redraw on every update a test makes, and at most 10 times a second otherwise.
        fps: 10,
        noTTYOutput: true,
      });
    }
  }

  /** As an OnProgress callback for the operation. */
  readonly report: OnProgress = (done, total, stage) => {
    if (!this.started) this.start(total, stage);
    this.total = total;
    this.update(done, stage);
  };

  start(total: number, stage = ''): void {
    this.started = Date.now();
    this.total = total;
    this.stage = stage;
    if (this.bar) this.bar.start(Math.max(total, 1), 0, this.payload());
    else this.line();
  }

  update(done: number, stage?: string): void {
    this.done = Math.min(done, this.total);
    const newStage = stage !== undefined && stage !== this.stage;
    if (stage !== undefined) this.stage = stage;
    if (this.bar) {
      this.bar.setTotal(Math.max(this.total, 1));
      this.bar.update(this.done, this.payload());
      // A new stage is shown at once: the next may keep the thread busy for a while (deleting a synthetic set).
      if (newStage) this.bar.render();
    } else if (newStage || (Date.now() - this.lastLine >= this.intervalMs && this.done < this.total)) {
      this.line();
    }
  }

  /** Shows the end (100%); the command prints its own summary after. */
  finish(): void {
    if (this.finished || !this.started) return;
    this.finished = true;
    this.done = this.total;
    if (this.bar) {
      this.bar.update(this.done, this.payload());
      this.bar.stop();
    } else if (this.lineAt !== this.total) {
      this.line();
    }
  }

  /** Stops a bar without claiming the end, when the command failed. */
  abandon(): void {
    if (this.finished) return;
    this.finished = true;
    this.bar?.stop();
  }

  private payload() {
    return { doneText: this.format(this.done), totalText: this.format(this.total), stage: this.stage };
  }

  private line(): void {
    this.lastLine = Date.now();
    this.lineAt = this.done;
    const percent = this.total > 0 ? Math.floor((100 * this.done) / this.total) : 100;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    this.stream.write(`${this.label}: ${percent}% (${this.format(this.done)}/${this.format(this.total)} ${this.unit})${this.stage ? `, ${this.stage}` : ''}, ${seconds} s\n`);
  }
}

/** Bytes as megabytes with one decimal. */
export const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1);
