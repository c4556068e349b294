// GET /metrics, /stats and /stats/recent after real traffic: Prometheus names and types, bounded
// labels, numbers that match what was sent, and no key anywhere in clear.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { captureLog, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { parseMetrics, sampleSum } from '../support/prometheus.ts';

const KEYS = ['sk-metrics-upstream-key-aaaaaaaaaaaa0001', 'sk-metrics-upstream-key-bbbbbbbbbbbb0002'];
const TOKEN = 'admin-token-for-metrics-0001';
const auth = { authorization: `Bearer ${TOKEN}` };

function chat(gw: TestGateway, model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hello' }], ...extra }),
  });
}

describe('metrics and stats', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const log = captureLog();

  before(async () => {
    // Two keys of two requests per second each: a burst of eight has to wait for room.
    mock = await startMockUpstream({ keys: KEYS, limits: { requests: 2, windowMs: 1000 } });
    gw = await startGateway(
      {
        server: { admin_token: TOKEN },
        upstreams: { openai: { url: mock.url, keys: KEYS } },
        routes: { models: [{ match: 'smart', upstream: 'openai', model: 'gpt-4o' }] },
      },
      {},
      { log },
    );
    const burst = await Promise.all(Array.from({ length: 8 }, () => chat(gw, 'smart')));
    for (const res of burst) assert.equal(res.status, 200, await res.text());
    // Models no route names: a client may send any string, and each one is counted as `other`.
    for (let i = 0; i < 5; i++) {
      const res = await chat(gw, `openai/random-model-${i}-${Math.random()}`);
      assert.equal(res.status, 200, await res.text());
    }
    // A refusal the gateway makes itself.
    const bad = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    assert.equal(bad.status, 400);
    await bad.text();
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('the admin endpoints need the admin token', async () => {
    for (const path of ['/metrics', '/stats', '/stats/recent']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 401, path);
      await res.text();
    }
  });

  test('metric names follow Prometheus conventions and parse', async () => {
    const res = await fetch(`${gw.url}/metrics`, { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = parseMetrics(await res.text());
    const own = [...families.values()].filter((f) => f.name.startsWith('cooldown_'));
    assert.ok(own.length >= 20, `${own.length} cooldown_ families`);
    for (const f of own) {
      if (f.type === 'counter') assert.match(f.name, /_total$/, f.name);
      if (f.type === 'histogram') assert.match(f.name, /_seconds$/, f.name);
      if (f.name.endsWith('_total')) assert.equal(f.type, 'counter', f.name);
      assert.ok(f.help.length > 10, `${f.name} has help`);
    }
    for (const name of [
      'cooldown_request_duration_seconds',
      'cooldown_upstream_first_byte_seconds',
      'cooldown_queue_wait_seconds',
      'cooldown_gateway_overhead_seconds',
    ])
      assert.equal(families.get(name)?.type, 'histogram', name);
    assert.ok(families.has('process_resident_memory_bytes'), 'process metrics too');
  });

  test('requests are counted by upstream, route model and status class; unknown models share one label', async () => {
    const families = parseMetrics(await (await fetch(`${gw.url}/metrics`, { headers: auth })).text());
    const requests = families.get('cooldown_requests_total');
    assert.equal(sampleSum(requests, { upstream: 'openai', model: 'smart', status_class: '2xx' }), 8);
    assert.equal(sampleSum(requests, { upstream: 'openai', model: 'other', status_class: '2xx' }), 5);
    assert.equal(sampleSum(requests, { upstream: 'none', status_class: '4xx' }), 1);
    const models = new Set(requests!.samples.map((m) => m.labels.model));
    assert.deepEqual([...models].sort(), ['none', 'other', 'smart']);
    assert.equal(sampleSum(families.get('cooldown_refusals_total'), { code: 'invalid_json' }), 1);
    const tokens = families.get('cooldown_tokens_total');
    assert.ok(sampleSum(tokens, { model: 'smart', direction: 'input' }) > 0);
    assert.ok(sampleSum(tokens, { model: 'smart', direction: 'output' }) > 0);
    assert.equal(sampleSum(families.get('cooldown_request_duration_seconds'), { upstream: 'openai' }), 13);
  });

  test('the limiter state per key: learned limits, in-flight, breaker; 429s absorbed', async () => {
    const families = parseMetrics(await (await fetch(`${gw.url}/metrics`, { headers: auth })).text());
    const limit = families.get('cooldown_key_limit')!;
    const learned = limit.samples.filter(
      (m) => m.labels.source === 'learned' && m.labels.dimension === 'requests',
    );
    assert.equal(learned.length, 2, 'one learned request limit per key');
    for (const m of learned) assert.equal(m.value, 2);
    const keys = new Set(learned.map((m) => m.labels.key));
    assert.equal(keys.size, 2, 'keys have distinct labels');
    assert.equal(sampleSum(families.get('cooldown_key_in_flight')), 0);
    assert.equal(sampleSum(families.get('cooldown_key_requests_total')), mock.received.length);
    assert.equal(sampleSum(families.get('cooldown_upstream_breaker_state'), { upstream: 'openai' }), 0);
    // Eight at once against four a second: some waited (or were retried) instead of failing.
    const absorbed = sampleSum(families.get('cooldown_absorbed_429_total'), { upstream: 'openai' });
    assert.ok(absorbed >= 1 && absorbed <= 13, `${absorbed} absorbed`);
    const stats = (await (await fetch(`${gw.url}/stats`, { headers: auth })).json()) as {
      totals: { absorbed_429s: number };
    };
    assert.equal(stats.totals.absorbed_429s, absorbed, '/stats and /metrics agree');
    const upstream429s = mock.received.filter((r) => r.status === 429).length;
    assert.equal(
      sampleSum(families.get('cooldown_upstream_429_total'), { upstream: 'openai' }),
      upstream429s,
    );
    assert.equal(sampleSum(families.get('cooldown_key_upstream_429_total')), upstream429s);
  });

  test('/stats has totals that match the traffic', async () => {
    const stats = (await (await fetch(`${gw.url}/stats`, { headers: auth })).json()) as {
      uptime_s: number;
      totals: {
        requests: number;
        by_status: Record<string, number>;
        tokens: { input: number; output: number };
        refusals: Record<string, number>;
        absorbed_429s: number;
      };
      latency_last_minute: { p50_ms?: number; p99_ms?: number };
      upstreams: { name: string; breaker: { state: string } }[];
    };
    // The requests to /metrics and /stats are the gateway's own, not proxied traffic.
    assert.equal(stats.totals.requests, 14);
    assert.equal(stats.totals.by_status['2xx'], 13);
    assert.equal(stats.totals.by_status['4xx'], 1);
    assert.deepEqual(stats.totals.refusals, { invalid_json: 1 });
    assert.ok(stats.totals.tokens.input > 0 && stats.totals.tokens.output > 0);
    assert.ok(typeof stats.uptime_s === 'number');
    assert.ok(stats.latency_last_minute.p99_ms! >= stats.latency_last_minute.p50_ms!);
    assert.equal(stats.upstreams[0]!.breaker.state, 'closed');
  });

  test('/stats/recent lists the last requests, newest first, with the key masked, and a series', async () => {
    const recent = (await (await fetch(`${gw.url}/stats/recent`, { headers: auth })).json()) as {
      requests: { id: string; status: number; model?: string; key?: string; at: number; queue_ms: number }[];
      series: { t: number; requests: number }[];
    };
    assert.equal(recent.requests.length, 14);
    assert.equal(recent.requests[0]!.status, 400, 'the refusal came last');
    for (let i = 1; i < recent.requests.length; i++)
      assert.ok(recent.requests[i - 1]!.at >= recent.requests[i]!.at, 'newest first');
    const smart = recent.requests.filter((r) => r.model === 'smart');
    assert.equal(smart.length, 8);
    for (const r of smart) assert.match(r.key!, /^sk-met\.\.\.000[12]$/);
    assert.equal(recent.series.length, 300);
    assert.equal(
      recent.series.reduce((n, s) => n + s.requests, 0),
      14,
    );
  });

  test('no key, client credential or admin token appears in clear anywhere', async () => {
    const texts = await Promise.all(
      ['/metrics', '/stats', '/stats/recent'].map(async (p) =>
        (await fetch(`${gw.url}${p}`, { headers: auth })).text(),
      ),
    );
    const logged = log.lines().map((l) => JSON.stringify(l));
    for (const secret of [...KEYS, TOKEN])
      for (const text of [...texts, ...logged]) assert.ok(!text.includes(secret), 'secret leaked');
    const lines = log.lines().filter((l) => l.msg === 'request' && l.model === 'smart');
    assert.equal(lines.length, 8);
    for (const l of lines) assert.match(String(l.key), /^sk-met\.\.\./);
    assert.ok(lines.some((l) => typeof l.queue_ms === 'number' || typeof l.retries === 'number'));
  });

  test('every metric is documented, and the Grafana dashboard uses only metrics that exist', async () => {
    const families = parseMetrics(await (await fetch(`${gw.url}/metrics`, { headers: auth })).text());
    const own = [...families.keys()].filter((n) => n.startsWith('cooldown_'));
    const docs = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    for (const name of own) assert.ok(docs.includes(`\`${name}\``), `${name} is in docs/metrics.md`);
    const dashboard = JSON.parse(
      readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as { panels: { targets?: { expr: string }[] }[] };
    const used = new Set<string>();
    for (const p of dashboard.panels)
      for (const t of p.targets ?? [])
        for (const m of t.expr.matchAll(/\b((?:cooldown|process|nodejs)_\w+)/g))
          used.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
    assert.ok(used.size >= 15);
    for (const name of used) assert.ok(families.has(name), `${name} used by the dashboard exists`);
  });
});
