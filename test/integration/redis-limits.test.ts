// Three gateway processes (the real CLI, each its own process) on one real redis-server, in front
// of one mock provider whose hidden limit of 60 requests per window per key is reported only in
// its headers, shared by two keys. A burst spread over the three lands whole without the provider
// ever refusing one; the same burst without Redis makes the provider refuse (each process believes
// it owns each key whole). Redis dying mid-run leaves every process serving at its share, and the
// provider still never refuses one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliRun, runCli } from '../support/cli.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { startRedisServer, type TestRedis } from '../support/redis-server.ts';

const WINDOW_MS = 2_000;
const LIMIT = 60;
const KEYS = ['sk-shared-pool-key-0000000000001', 'sk-shared-pool-key-0000000000002'];

interface Gateway {
  run: CliRun;
  url: string;
}

let asked = 0;

async function chat(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Each asks something new: a repeat would be a cache hit, which no key pays for.
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 5,
      messages: [{ role: 'user', content: `question ${++asked}` }],
    }),
  });
  await res.text();
  return res.status;
}

describe('three gateways share one set of limits through Redis', () => {
  let redis: TestRedis;
  let mock: MockUpstream;
  let dir: string;

  before(async () => {
    redis = await startRedisServer();
    mock = await startMockUpstream({ limits: { requests: LIMIT, windowMs: WINDOW_MS }, latencyMs: 40 });
    dir = mkdtempSync(join(tmpdir(), 'cooldown-shared-'));
  });
  after(async () => {
    await mock.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startThree(withRedis: boolean): Promise<Gateway[]> {
    const file = join(dir, withRedis ? 'shared.yaml' : 'alone.yaml');
    const config = {
      upstreams: {
        openai: { url: mock.url, keys: KEYS, rate_limits: { reset_buffer: '50ms' } },
      },
      cache: { enabled: false },
      ...(withRedis ? { store: { redis: redis.url } } : {}),
    };
    writeFileSync(file, JSON.stringify(config));
    const runs = [0, 1, 2].map(() => runCli(['--config', file], { COOLDOWN_PORT: '0' }));
    try {
      return await Promise.all(
        runs.map(async (run) => ({ run, url: (await run.waitForLog(/listening/)).url as string })),
      );
    } catch (err) {
      await stopAll(runs);
      throw err;
    }
  }

  async function stopAll(runs: CliRun[]): Promise<void> {
    await Promise.all(
      runs.map(async (run) => {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
        await run.exited();
      }),
    );
  }

  /** `n` requests at once, dealt round the gateways in turn. */
  const burst = (gateways: Gateway[], n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => chat(gateways[i % gateways.length]!.url)));

  async function sharedOf(g: Gateway) {
    const stats = (await (await fetch(`${g.url}/stats`)).json()) as {
      shared: { reachable: boolean; processes: number; local_share: number };
    };
    return stats.shared;
  }

  const refusedByMock = () => mock.received.filter((r) => r.status === 429).length;

  test('a burst over three processes lands whole and the provider never refuses one', async () => {
    const gateways = await startThree(true);
    try {
      mock.reset();
      const statuses = await burst(gateways, 150);
      assert.deepEqual(statuses, Array(150).fill(200), 'every request landed');
      assert.equal(refusedByMock(), 0, 'the provider never sent a 429');
      const perKey = KEYS.map((k) => mock.received.filter((r) => r.key === k).length);
      assert.equal(perKey[0]! + perKey[1]!, 150);
      assert.ok(
        perKey.every((n) => n > 0),
        `both keys carried the load: ${perKey}`,
      );
    } finally {
      await stopAll(gateways.map((g) => g.run));
    }
  });

  test('without Redis the same burst makes the provider refuse: each process thinks it owns the keys', async () => {
    const gateways = await startThree(false);
    try {
      mock.reset();
      const statuses = await burst(gateways, 150);
      // The gateways absorb the 429s (they wait and send again), but the provider saw too much.
      assert.deepEqual(statuses, Array(150).fill(200));
      assert.ok(refusedByMock() > 0, 'the provider refused some of the unshared burst');
    } finally {
      await stopAll(gateways.map((g) => g.run));
    }
  });

  test('Redis killed mid-run: every request is still served at local shares, and sharing resumes after', async () => {
    const gateways = await startThree(true);
    try {
      // Each process counts the others at its heartbeats: wait until all three have heard all three.
      for (const g of gateways) while ((await sharedOf(g)).processes !== 3);
      mock.reset();
      assert.deepEqual(await burst(gateways, 30), Array(30).fill(200));
      await redis.kill9();
      const during = await burst(gateways, 150);
      assert.deepEqual(during, Array(150).fill(200), 'served while Redis was down');
      // Alone, each process keeps to a third of each key's window: still never too much together.
      assert.equal(refusedByMock(), 0, 'the provider never sent a 429 during the outage');
      for (const g of gateways) {
        const shared = await sharedOf(g);
        assert.equal(shared.reachable, false);
        assert.equal(shared.processes, 3);
        assert.equal(shared.local_share, 1 / 3);
      }
      await redis.restart();
      // Each process reconnects on its own backoff; /stats is the only outside view of it.
      for (const g of gateways) while (!(await sharedOf(g)).reachable);
      mock.reset();
      const again = await burst(gateways, 150);
      assert.deepEqual(again, Array(150).fill(200));
      assert.equal(refusedByMock(), 0, 'shared again: the provider never sent a 429');
    } finally {
      await stopAll(gateways.map((g) => g.run));
    }
  });
});
