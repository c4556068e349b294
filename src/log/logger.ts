// The gateway's logger: pino JSON lines to stdout or a file, buffered off the hot path.
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  file?: string | undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = pino.destination({
    dest: options.file ?? 1,
    // Buffered writes keep logging out of the request's way; flushed on shutdown.
    sync: false,
    minLength: 4096,
    mkdir: options.file !== undefined,
  });
  return pino(
    {
      level: options.level,
      base: undefined,
      // Credentials never reach the log, even if someone logs a header bag by mistake.
      redact: {
        paths: [
          '*.authorization',
          '*["x-api-key"]',
          '*["api-key"]',
          'headers.authorization',
          'headers["x-api-key"]',
        ],
        censor: '[masked]',
      },
    },
    destination,
  );
}

/** A logger that drops everything (tests, embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
