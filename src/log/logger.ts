// Where the gateway's log lines go: pino JSON lines to stdout or a file, batched off the hot path.
import pino, { type Logger } from 'pino';
import { createLineBatcher } from './line-batcher.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  file?: string | undefined;
}

/** The logger for events, and the raw line writer the per-request log uses (same ordered output). */
export interface LogOutput {
  readonly logger: Logger;
  /** Appends one complete JSON line (with its newline). */
  writeLine(line: string): void;
  flush(): void;
}

export function createLogOutput(options: LoggerOptions): LogOutput {
  // A reader that stops (a stuck stdout pipe) must not grow memory without end: past 16 MiB
  // unwritten, lines are dropped.
  const destination = pino.destination({
    dest: options.file ?? 1,
    sync: false,
    mkdir: options.file !== undefined,
    maxLength: 16 * 1024 * 1024,
  });
  const lines = createLineBatcher(destination);
  process.once('exit', () => lines.flushSync());
  // No header bags are ever logged, so there is nothing to redact (and redaction costs per line).
  const logger = pino({ level: options.level, base: undefined }, {
    write: lines.write,
    flush: lines.flush,
  } as never);
  return { logger, writeLine: lines.write, flush: lines.flush };
}

/** Drops everything (tests, embedding). */
export function silentLogOutput(): LogOutput {
  return { logger: pino({ level: 'silent' }), writeLine() {}, flush() {} };
}
