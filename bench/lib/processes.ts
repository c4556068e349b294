// Starts the processes a benchmark compares, each on its own, and stops them afterwards.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Running {
  readonly url: string;
  readonly child: ChildProcess;
  /** A gateway's working folder (its state file is under it); absent for bench scripts. */
  readonly dir?: string;
  stop(): Promise<void>;
}

/**
 * With two or more cores, the processes compared each run pinned to the last core and the load
 * (wrk, the mock) to the others, so a proxy never competes with its own load for a core.
 */
export const pinning: { proxy: string[]; load: string[] } = (() => {
  const cores = availableParallelism();
  if (cores < 2 || !existsSync('/usr/bin/taskset')) return { proxy: [], load: [] };
  return {
    proxy: ['taskset', '-c', String(cores - 1)],
    load: ['taskset', '-c', cores === 2 ? '0' : `0-${cores - 2}`],
  };
})();

/** `command args` run under `prefix` (taskset), or as is when the prefix is empty. */
function spawnPinned(prefix: string[], command: string, args: string[], options: SpawnOptions): ChildProcess {
  return prefix.length === 0
    ? spawn(command, args, options)
    : spawn(prefix[0]!, [...prefix.slice(1), command, ...args], options);
}

/** Resident memory of a process now, in MiB (Linux); NaN where /proc is missing. */
export function residentMiB(child: ChildProcess): number {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time a process has used so far (user + system, all its threads), in µs (Linux); NaN elsewhere. */
export function cpuMicros(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second. */
const CLOCK_TICKS = 100;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A bench server script that prints `{"url": ...}` on its first stdout line. */
export async function startScript(
  script: string,
  env: Record<string, string> = {},
  pin: string[] = [],
): Promise<Running> {
  // The same V8 setting the gateway's CLI uses, so the comparison is of code, not of flags.
  const child = spawnPinned(pin, process.execPath, ['--no-allocation-site-pretenuring', root(script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const { url } = JSON.parse(line.toString().split('\n')[0]!) as { url: string };
  child.stdout!.resume();
  return { url, child, stop: () => stop(child) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * The real gateway through its CLI, default settings, logging to stdout as a user would run it
 * (stdout goes to /dev/null so the bench does not spend its own CPU reading it).
 */
export async function startGateway(
  env: Record<string, string>,
  args: string[] = [],
  pin: string[] = [],
  /** Another checkout of the project to run the gateway from (an older commit). */
  checkout?: string,
): Promise<Running> {
  const port = await freePort();
  const devnull = openSync('/dev/null', 'w');
  const bin = checkout ? join(checkout, 'bin/cooldown.js') : root('bin/cooldown.js');
  // A folder of its own: its state file (`./.cooldown/state.db`) is made there and removed after.
  const cwd = mkdtempSync(join(tmpdir(), 'cooldown-bench-gw-'));
  const child = spawnPinned(pin, process.execPath, [bin, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', COOLDOWN_PORT: String(port), ...env },
    stdio: ['ignore', devnull, 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stopAndClean = async () => {
    await stop(child);
    rmSync(cwd, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child, dir: cwd, stop: stopAndClean };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('the gateway did not start');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
