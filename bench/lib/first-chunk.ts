// Time to a stream's first chunk, one request at a time on one kept-alive connection.
import { Pool } from 'undici';

export interface FirstChunkResult {
  p50ms: number;
  p99ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function firstChunkLatency(
  url: string,
  body: string,
  requests: number,
  headers: Record<string, string> = {},
): Promise<FirstChunkResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      const res = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      let first = true;
      for await (const _chunk of res.body) {
        if (first) {
          samples.push(performance.now() - started);
          first = false;
        }
      }
    }
  } finally {
    await pool.close();
  }
  samples.sort((a, b) => a - b);
  return { p50ms: percentile(samples, 50), p99ms: percentile(samples, 99) };
}
