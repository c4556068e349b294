// Runs the real `cooldown` CLI as a child process, the way a user starts it.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/cooldown.js', import.meta.url));

export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout JSON log line whose `msg` matches. */
  waitForLog(pattern: RegExp): Promise<Record<string, unknown>>;
  exited(): Promise<number | null>;
}

/** `cwd` defaults to a fresh folder, removed after: no test reads or writes the checkout's `./cooldown.yaml` or `./.cooldown/`. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliRun {
  const own = cwd === undefined ? mkdtempSync(join(tmpdir(), 'cooldown-cli-')) : undefined;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: cwd ?? own,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: Record<string, unknown>) => void }> = [];
  const scan = () => {
    // Only whole lines: a long line can arrive in several chunks.
    for (const line of out.slice(0, out.lastIndexOf('\n') + 1).split('\n')) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      for (const w of [...waiters]) {
        if (typeof parsed.msg === 'string' && w.pattern.test(parsed.msg)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  };
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    scan();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = once(child, 'exit').then(([code]) => {
    if (own) rmSync(own, { recursive: true, force: true });
    return code as number | null;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForLog(pattern) {
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        scan();
        exit.then((code) => reject(new Error(`cooldown exited (${code}) before logging ${pattern}: ${err}`)));
      });
    },
    exited: () => exit,
  };
}
