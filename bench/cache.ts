// bench/cache: what a response-cache hit costs against the call it saves. The mock upstream answers
// after `latency` ms (a provider is slower still); the same requests go straight to it, through the
// gateway as misses (a new prompt each time), and through the gateway as hits, from memory and from
// SQLite, JSON and streams, 1 and 16 connections, in one run. Then memory per cached entry.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryMemory } from './lib/cache-memory.ts';
import { closedLoop, type LoopResult } from './lib/closed-loop.ts';
import { pinning, type Running, startGateway, startScript } from './lib/processes.ts';

interface Options {
  seconds: number;
  /** The mock's delay before each answer, in ms. */
  latency: number;
  /** Entries cached for the memory measurement. */
  entries: number;
}

const PATH = '/v1/chat/completions';

function chat(stream: boolean, prompt: string): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    ...(stream ? { stream: true } : {}),
    messages: [{ role: 'user', content: prompt }],
  });
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

interface Row {
  name: string;
  url: string;
  /** Same prompt each time (a hit once primed) or a new one each time (a miss). */
  repeat: boolean;
  expectCache?: string;
}

export async function runCache(options: Options): Promise<void> {
  const started: Running[] = [];
  try {
    const mock = await startScript('bench/servers/mock-server.ts', {}, pinning.load);
    started.push(mock);
    const env = { OPENAI_API_URL: mock.url, OPENAI_API_KEY: 'sk-bench-upstream-key-0001' };
    const memory = await startGateway({ ...env, CACHE_TTL: '1h' }, [], pinning.proxy);
    started.push(memory);
    const sqliteConfig = join(memory.dir!, 'sqlite-cache.yaml');
    writeFileSync(sqliteConfig, 'cache:\n  store: sqlite\n  ttl: 1h\n');
    const sqlite = await startGateway({ ...env, COOLDOWN_CONFIG: sqliteConfig }, [], pinning.proxy);
    started.push(sqlite);
    const rows: Row[] = [
      { name: 'direct', url: mock.url, repeat: true },
      { name: 'miss', url: memory.url, repeat: false, expectCache: 'MISS' },
      { name: 'hit memory', url: memory.url, repeat: true, expectCache: 'HIT' },
      { name: 'hit sqlite', url: sqlite.url, repeat: true, expectCache: 'HIT' },
    ];
    const latency = { 'x-mock-latency-ms': String(options.latency), authorization: 'Bearer sk-bench-client' };
    process.stdout.write(
      `mock answers after ${options.latency} ms; ${options.seconds}s per row; each gateway pinned to ${pinning.proxy[2] ?? 'no core'}, load and mock on ${pinning.load[2] ?? 'any'}\n`,
    );
    let run = 0;
    for (const stream of [false, true]) {
      for (const connections of [1, 16]) {
        run++;
        const results: [Row, LoopResult][] = [];
        for (const row of rows) {
          const same = chat(stream, `Say hello in five words (${run}).`);
          // A miss needs a prompt never sent before, warm-up included.
          let fresh = 0;
          const body = row.repeat
            ? () => same
            : () => chat(stream, `Say hello in five words (${run}.${fresh++}).`);
          // Primes the hit rows and warms every target (JIT, connection pools).
          await closedLoop({ url: row.url + PATH, body, connections, seconds: 1, headers: latency });
          const r = await closedLoop({
            url: row.url + PATH,
            body,
            connections,
            seconds: options.seconds,
            headers: latency,
            expectCache: row.expectCache,
          });
          results.push([row, r]);
        }
        const direct = results[0]![1];
        process.stdout.write(
          `\n${stream ? 'stream' : 'JSON'}, ${connections} connection${connections > 1 ? 's' : ''}\n`,
        );
        process.stdout.write('target        req/s  vs direct  p50 ms  p99 ms  errors  x-cache as expected\n');
        for (const [row, r] of results) {
          const expected = row.expectCache
            ? `${fmt((r.matched / r.requests) * 100)}% ${row.expectCache}`
            : '-';
          process.stdout.write(
            `${row.name.padEnd(12)} ${fmt(r.rps).padStart(6)}  ${fmt(r.rps / direct.rps, 1).padStart(8)}x  ${fmt(r.p50ms, 2).padStart(6)}  ${fmt(r.p99ms, 2).padStart(6)}  ${String(r.errors).padStart(6)}  ${expected}\n`,
          );
        }
      }
    }

    const memoryUse = await entryMemory(mock.url, options.entries);
    process.stdout.write(
      `\nmemory per cached JSON answer (${memoryUse.entries} recorded into the memory store, after a full GC): ${fmt(memoryUse.countedBytes)} B counted against max_size_mb, ${fmt(memoryUse.heapBytes)} B measured in heap and buffers (median of 3 rounds)\n`,
    );
  } finally {
    for (const p of started.reverse()) await p.stop();
  }
}
