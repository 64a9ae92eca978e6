// Progress reporting for long work: one redrawn line on a terminal, a plain log line every interval otherwise (cron).
import { errorsOnly, log } from "./log.ts";

/** Options of a progress reporter; `render` returns the text of the current state. */
export interface ProgressOptions {
  readonly render: () => string;
  readonly stream?: NodeJS.WriteStream;
  /** Milliseconds between plain log lines when the stream is not a TTY. */
  readonly logIntervalMs?: number;
  /** Milliseconds between redraws on a TTY. */
  readonly ttyIntervalMs?: number;
}

/** Shows progress while long work runs; call `stop()` (idempotent) when the work ends. */
export class Progress {
  private readonly timer: NodeJS.Timeout;
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;
  private stopped = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true && process.env.CI !== "true";
    const every = this.tty ? (options.ttyIntervalMs ?? 250) : (options.logIntervalMs ?? 10_000);
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || errorsOnly()) return;
    const text = this.options.render();
    if (this.tty) {
      const width = this.stream.columns ?? 120;
      this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
    } else {
      log("info", text);
    }
  }

  /** Stops the reporter and clears the TTY line so the summary that follows starts clean. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.tty) this.stream.write("\r\x1b[2K");
  }
}
