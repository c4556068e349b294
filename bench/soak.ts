// bench/soak: minutes of normal traffic, with hostile clients and a hostile upstream joining in the
// middle, all on loopback and bounded in time. Prints, before, during and after the hostile part,
// how the normal clients fared (success, p50, p99) and the gateway's resident memory. A gateway that
// holds is one whose normal clients do not notice and whose memory comes back.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Running, startGateway, startScript } from './lib/processes.ts';

export interface SoakOptions {
  /** Length of the hostile phase; the quiet phases before and after are a third of it each. */
  seconds: number;
  /** Normal clients, each sending one request after another. */
  concurrency: number;
}

const NORMAL = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] });

interface Phase {
  name: string;
  ok: number;
  failed: number;
  latencies: number[];
  rssMb: number[];
  hostile: number;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function normalClient(url: string, phase: () => Phase, until: number): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    try {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-soak-client' },
        body: NORMAL,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      const p = phase();
      if (res.status === 200) p.ok++;
      else p.failed++;
      p.latencies.push(performance.now() - started);
    } catch {
      phase().failed++;
    }
  }
}

/** One misbehaving call, bounded in time: what a hostile client or upstream would do. */
const HOSTILE: ReadonlyArray<(url: string) => Promise<void>> = [
  // A model name of 200 KB (each a different one).
  (url) => post(url, { model: `m${Math.random()}${'x'.repeat(200_000)}`, messages: [] }),
  // Calls to an upstream that never ends its error body, its stream event, or its 1xx storm.
  (url) => post(url, { model: 'evil-error', messages: [] }),
  (url) => post(url, { model: 'evil-event', stream: true, messages: [] }),
  (url) => post(url, { model: 'evil-storm', messages: [] }),
  // Ambiguous, too deep and path-escaping requests.
  (url) => post(url, '{"model":"gpt-4o-mini","messages":[],"model":"gpt-4o"}'),
  (url) =>
    post(
      url,
      `{"model":"gpt-4o-mini","stream":true,"messages":[${'['.repeat(20_000)}${']'.repeat(20_000)}]}`,
    ),
  (url) => raw(url, 'GET /v1/../../etc HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 2000),
  // An upload that stalls, a head that never ends, a stream nobody reads.
  (url) =>
    raw(
      url,
      'POST /upload HTTP/1.1\r\nHost: files.example.net\r\nContent-Length: 1000000\r\n\r\n' +
        'z'.repeat(1000),
      4000,
    ),
  (url) => raw(url, 'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n', 4000),
  (url) =>
    raw(
      url,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-mock-chunks: 200000\r\nContent-Length: ${NORMAL.length + 14}\r\n\r\n${NORMAL.slice(0, -1)},"stream":true}`,
      6000,
      true,
    ),
];

async function post(url: string, body: unknown): Promise<void> {
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    await res.arrayBuffer();
  } catch {
    // a refusal or a cut is the expected outcome
  }
}

/** Sends `text` on a raw connection and leaves it open for `holdMs` (not reading, if `stall`). */
function raw(url: string, text: string, holdMs: number, stall = false): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(port), hostname);
    socket.on('error', () => {});
    socket.write(text);
    if (stall) socket.pause();
    else socket.resume();
    setTimeout(() => {
      socket.destroy();
      resolve();
    }, holdMs);
  });
}

async function hostileClient(url: string, phase: () => Phase, until: number, seed: number): Promise<void> {
  for (let i = seed; Date.now() < until; i++) {
    await HOSTILE[i % HOSTILE.length]!(url);
    phase().hostile++;
  }
}

export async function runSoak(options: SoakOptions): Promise<void> {
  const started: Running[] = [];
  try {
    const mock = await startScript('bench/servers/mock-server.ts');
    started.push(mock);
    const evil = await startScript('bench/servers/hostile-server.ts');
    started.push(evil);
    const config = join(tmpdir(), `cooldown-soak-${process.pid}.yaml`);
    writeFileSync(
      config,
      [
        'server: { body_idle_timeout: 2s, headers_timeout: 5s }',
        'upstreams:',
        `  openai: { url: "${mock.url}", keys: [sk-soak-upstream-key-00000000000001], idle_timeout: 5s }`,
        `  evil: { url: "${evil.url}", keys: [sk-soak-evil-key-000000000000000001], timeout: 3s, retries: { max: 0 } }`,
        `  files: { url: "${mock.url}", dialect: generic }`,
        'routes:',
        '  models: [{ match: "evil-*", upstream: evil }]',
        '  hosts: [{ match: files.example.net, upstream: files }]',
        'log: { requests: false }',
      ].join('\n'),
    );
    const gateway = await startGateway({}, ['--config', config, '--no-cache']);
    started.push(gateway);
    const pid = gateway.child.pid!;
    const quiet = Math.max(5, Math.round(options.seconds / 3));
    const phases: Phase[] = ['before', 'during', 'after'].map((name) => ({
      name,
      ok: 0,
      failed: 0,
      latencies: [],
      rssMb: [],
      hostile: 0,
    }));
    const t0 = Date.now();
    const ends = [
      t0 + quiet * 1000,
      t0 + (quiet + options.seconds) * 1000,
      t0 + (2 * quiet + options.seconds) * 1000,
    ];
    // Which phase a moment belongs to, by the clock (not by the last tick of a timer).
    const phaseAt = (now: number) => phases[now < ends[0]! ? 0 : now < ends[1]! ? 1 : 2]!;
    const current = () => phaseAt(Date.now());
    const sampler = setInterval(() => current().rssMb.push(rssMb(pid)), 500);
    const switcher = setInterval(() => {
      const now = Date.now();
      process.stdout.write(
        `\r${phaseAt(now).name}: ${Math.round((now - t0) / 1000)} s, normal ok ${phases.reduce((a, p) => a + p.ok, 0)}, hostile ${phases[1]!.hostile}, rss ${Math.round(rssMb(pid))} MB   `,
      );
    }, 1000);
    const normal = Array.from({ length: options.concurrency }, () =>
      normalClient(gateway.url, current, ends[2]!),
    );
    await new Promise((r) => setTimeout(r, quiet * 1000));
    const hostile = Array.from({ length: 6 }, (_, i) => hostileClient(gateway.url, current, ends[1]!, i));
    await Promise.all([...normal, ...hostile]);
    clearInterval(sampler);
    clearInterval(switcher);
    process.stdout.write('\n\n');
    const rows = phases.map((p) => ({
      phase: p.name,
      seconds: p.name === 'during' ? options.seconds : quiet,
      normal: p.ok + p.failed,
      success: p.ok + p.failed === 0 ? '-' : `${((100 * p.ok) / (p.ok + p.failed)).toFixed(2)}%`,
      p50ms: percentile(p.latencies, 50).toFixed(1),
      p99ms: percentile(p.latencies, 99).toFixed(1),
      hostile: p.hostile,
      rssMb: `${Math.round(Math.min(...p.rssMb))}-${Math.round(Math.max(...p.rssMb))}`,
    }));
    console.table(rows);
  } finally {
    for (const r of started.reverse()) await r.stop();
  }
}
