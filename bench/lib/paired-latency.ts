// Two paths measured side by side: one request at a time, alternating between them, so both see the
// same moments of a noisy machine (a path measured a minute later sees another machine). Gives the
// p50 of each.
import { build } from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface PairedResult {
  /** p50 of the first and the second URL, in ms. */
  p50: [number, number];
  requests: number;
}

export async function pairedLatency(
  urls: readonly [string, string],
  body: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<PairedResult> {
  const targets = urls.map((url) => {
    const u = new URL(url);
    return {
      path: u.pathname,
      pool: new Pool(u.origin, { connections: 1 }),
      histogram: build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000 }),
    };
  });
  const all = { 'content-type': 'application/json', ...headers };
  const deadline = performance.now() + seconds * 1000;
  let i = 0;
  try {
    while (performance.now() < deadline) {
      const t = targets[i++ % 2]!;
      const sent = performance.now();
      const res = await t.pool.request({ path: t.path, method: 'POST', headers: all, body });
      for await (const _chunk of res.body) {
        // read to the end
      }
      if (res.statusCode !== 200) throw new Error(`${t.path} answered ${res.statusCode}`);
      t.histogram.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
    }
  } finally {
    await Promise.all(targets.map((t) => t.pool.close()));
  }
  const p50 = (n: number) => targets[n]!.histogram.getValueAtPercentile(50) / 1000;
  return { p50: [p50(0), p50(1)], requests: i };
}
