// Load generation with wrk (Debian's `wrk`); its numbers are comparable across targets in one run.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadResult {
  rps: number;
  /** Requests completed in the run. */
  requests: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

export interface LoadSpec {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** A command prefix to run wrk under (taskset). */
  pin?: string[];
}

export async function hasWrk(): Promise<boolean> {
  try {
    await run('wrk', ['--version']);
    return true;
  } catch (err) {
    // wrk prints its version and exits 1
    return (err as { stdout?: string }).stdout?.includes('wrk') ?? false;
  }
}

/** The script's folder and file; the caller removes the folder. */
function luaScript(body: string, headers: Record<string, string>): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cooldown-bench-'));
  const file = join(dir, 'post.lua');
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    'wrk.headers["Content-Type"] = "application/json"',
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file };
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

export async function wrk(spec: LoadSpec): Promise<LoadResult> {
  const script = luaScript(spec.body, spec.headers ?? {});
  const threads = Math.min(2, spec.connections);
  const pin = spec.pin ?? [];
  const { stdout } = await run(pin[0] ?? 'wrk', [
    ...(pin.length > 0 ? [...pin.slice(1), 'wrk'] : []),
    `-t${threads}`,
    `-c${spec.connections}`,
    `-d${spec.seconds}s`,
    '--latency',
    '-s',
    script.file,
    spec.url,
  ]).finally(() => rmSync(script.dir, { recursive: true, force: true }));
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const lat = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  return { rps, requests, p50ms: lat('50'), p99ms: lat('99'), errors };
}
