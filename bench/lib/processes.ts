// Starts the processes a benchmark compares, each on its own, and stops them afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface Running {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A bench server script that prints `{"url": ...}` on its first stdout line. */
export async function startScript(script: string, env: Record<string, string> = {}): Promise<Running> {
  // The same V8 setting the gateway's CLI uses, so the comparison is of code, not of flags.
  const child = spawn(process.execPath, ['--no-allocation-site-pretenuring', root(script)], {
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
export async function startGateway(env: Record<string, string>, args: string[] = []): Promise<Running> {
  const port = await freePort();
  const devnull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [root('bin/cooldown.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', COOLDOWN_PORT: String(port), ...env },
    stdio: ['ignore', devnull, 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child, stop: () => stop(child) };
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
