// `cooldown loadtest` as users run it: the real CLI against the mock upstream, straight and through a
// real gateway; its JSON report checked against what the mock recorded.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LoadReport } from '../../src/loadtest/report.ts';
import { type CliRun, runCli } from '../support/cli.ts';
import { mockConfig, startGateway } from '../support/gateway.ts';
import { type MockUpstream, type ReceivedRequest, startMockUpstream } from '../support/mock-upstream.ts';

const KEY = 'sk-loadtest-secret-0123456789abcdefghij';

let dir: string;
let runs = 0;

/** Runs the CLI to its end (killed with SIGKILL if the test fails first) and reads its JSON report. */
async function loadtest(args: string[]): Promise<{ run: CliRun; code: number | null; report: LoadReport }> {
  const output = join(dir, `report-${++runs}.json`);
  const run = runCli(['loadtest', ...args, '--output', output]);
  try {
    const code = await run.exited();
    assert.equal(code, 0, run.stderr());
    return { run, code, report: JSON.parse(readFileSync(output, 'utf8')) as LoadReport };
  } finally {
    run.child.kill('SIGKILL');
  }
}

function countStatuses(received: readonly ReceivedRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of received) if (r.status !== undefined) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

function bodyOf(r: ReceivedRequest): Record<string, unknown> {
  return r.json as Record<string, unknown>;
}

/** Resolves once the child's stdout has matched. */
function stdoutMatch(run: CliRun, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(run.stdout())) {
        run.child.stdout.off('data', check);
        resolve();
      }
    };
    run.child.stdout.on('data', check);
    run.exited().then(() => reject(new Error(`exited before printing ${pattern}: ${run.stderr()}`)));
    check();
  });
}

describe('cooldown loadtest', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cooldown-loadtest-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('straight to the mock', () => {
    let mock: MockUpstream;
    before(async () => {
      mock = await startMockUpstream({ streamChunks: 3 });
    });
    after(() => mock.close());

    test('OpenAI, closed loop, a hidden limit: its 429s counted, statuses as the mock recorded them', async () => {
      mock.reset();
      mock.setLimits({ requests: 4, windowMs: 60_000 });
      const { run, report } = await loadtest([
        '--url',
        mock.url,
        '--requests',
        '10',
        '--clients',
        '2',
        '--key',
        KEY,
      ]);
      mock.setLimits(undefined);

      assert.equal(mock.received.length, 10);
      assert.deepEqual(report.statuses, countStatuses(mock.received));
      assert.deepEqual(report.statuses, { 200: 4, 429: 6 });
      assert.deepEqual(
        [report.requests.total, report.requests.ok, report.requests.failed, report.requests.aborted],
        [10, 4, 6, 0],
      );
      assert.equal(report.requests.success_rate, 0.4);
      assert.equal(report.stopped_by, 'requests');
      assert.deepEqual([report.load.loop, report.load.clients, report.load.requests], ['closed', 2, 10]);
      assert.equal(report.latency_ms?.count, 10);
      assert.match(report.messages['429'] ?? '', /Rate limit reached/);
      assert.equal(report.tokens.answers_with_usage, 4);
      assert.ok(report.tokens.input > 0 && report.tokens.output > 0);

      const prompts = new Set<string>();
      for (const r of mock.received) {
        assert.equal(r.path, '/v1/chat/completions');
        assert.equal(r.key, KEY);
        const body = bodyOf(r);
        assert.deepEqual([body.model, body.max_tokens, body.stream], ['gpt-4o-mini', 64, undefined]);
        prompts.add(JSON.stringify(body.messages));
      }
      assert.equal(prompts.size, 10, 'no two requests alike, so no cache answers them');

      const out = run.stdout();
      assert.ok(!out.includes(KEY) && !JSON.stringify(report).includes(KEY), 'the key never in clear');
      assert.equal(report.target.key, 'sk-loa...ghij');
      assert.match(out, /^\d+\.\ds\/10\.0s {2}done 10\/10 {2}ok 4 {2}failed 6 /m, 'a plain progress line');
      assert.ok(!out.includes('\r'), 'no redrawing when stdout is not a terminal');
      assert.match(out, /statuses {5}200: 4 {2}429: 6/);
    });

    test('Anthropic stream: first token and usage from message_start and message_delta', async () => {
      mock.reset();
      const { report } = await loadtest([
        '--url',
        mock.url,
        '--dialect',
        'anthropic',
        '--stream',
        '--requests',
        '6',
        '--clients',
        '3',
        '--max-tokens',
        '100',
      ]);
      assert.deepEqual(report.statuses, { 200: 6 });
      assert.deepEqual(countStatuses(mock.received), { 200: 6 });
      assert.equal(report.ttft_ms?.count, 6);
      assert.ok(report.ttft_ms!.max <= report.latency_ms!.max, 'a first token comes before its answer ends');
      assert.equal(report.tokens.answers_with_usage, 6);
      assert.ok(report.tokens.input > 0 && report.tokens.output > 0);
      for (const r of mock.received) {
        assert.equal(r.path, '/v1/messages');
        assert.equal(r.headers['anthropic-version'], '2023-06-01');
        const body = bodyOf(r);
        assert.deepEqual([body.model, body.max_tokens, body.stream], ['claude-haiku-4-5', 100, true]);
      }
    });

    test('circuit_breaker: the first quarter asks the mock for a 500 at low priority, the rest is healthy', async () => {
      mock.reset();
      const { report } = await loadtest([
        '--url',
        mock.url,
        '--scenario',
        'circuit_breaker',
        '--requests',
        '8',
        '--clients',
        '2',
      ]);
      assert.deepEqual(report.statuses, { 200: 6, 500: 2 });
      assert.deepEqual(countStatuses(mock.received), { 200: 6, 500: 2 });
      const faulted = mock.received.filter((r) => r.headers['x-mock-fault'] === 'status=500');
      assert.deepEqual(
        faulted.map((r) => JSON.stringify(bodyOf(r).messages)).sort(),
        [1, 2].map((n) =>
          JSON.stringify([
            { role: 'user', content: `Load test request ${n}: reply with one short sentence.` },
          ]),
        ),
      );
      assert.ok(faulted.every((r) => r.headers['x-cooldown-priority'] === 'low'));
      assert.equal(mock.received.filter((r) => r.headers['x-cooldown-priority'] !== undefined).length, 2);
      assert.deepEqual(report.load.mock_fault, { header: 'status=500', share: 0.25 });
    });

    test('open loop to a hung upstream: stops at its duration, aborts what is in flight after the grace', async () => {
      mock.reset();
      mock.addFault({ fault: { kind: 'hang' } });
      const { report } = await loadtest(['--url', mock.url, '--rate', '20', '--duration', '300ms']);
      assert.equal(report.stopped_by, 'duration');
      assert.equal(report.load.loop, 'open');
      assert.ok(report.requests.total >= 1);
      assert.equal(report.requests.total, mock.received.length, 'every request sent is counted');
      assert.equal(report.requests.aborted, report.requests.total);
      assert.equal(report.requests.success_rate, null);
      for (const r of mock.received) await mock.waitForClose(r.id);
    });

    test('Ctrl-C ends the run early and still reports', async () => {
      mock.reset();
      const output = join(dir, 'interrupted.json');
      const run = runCli(['loadtest', '--url', mock.url, '--duration', '10m', '--output', output]);
      try {
        await stdoutMatch(run, /^loadtest light/m);
        run.child.kill('SIGINT');
        assert.equal(await run.exited(), 0);
      } finally {
        run.child.kill('SIGKILL');
      }
      const report = JSON.parse(readFileSync(output, 'utf8')) as LoadReport;
      assert.equal(report.stopped_by, 'signal');
      assert.equal(report.requests.total, mock.received.length);
      assert.equal(report.requests.ok + report.requests.aborted, report.requests.total);
    });

    test('bad options are refused with a stable code before anything is sent', async () => {
      mock.reset();
      const cases = [
        [['--duration', '5x'], /--duration 5x: use a number of milliseconds .*\(invalid_option\)/],
        [['--clients', '2', '--rate', '5'], /--clients and --rate do not go together: .*\(invalid_option\)/],
        [['--scenario', 'huge'], /--scenario huge: expected one of .*\(invalid_option\)/],
      ] as const;
      const started = cases.map(([args]) => runCli(['loadtest', '--url', mock.url, ...args]));
      try {
        for (const [i, run] of started.entries()) {
          assert.equal(await run.exited(), 2);
          assert.match(run.stderr(), cases[i]![1]);
        }
      } finally {
        for (const run of started) run.child.kill('SIGKILL');
      }
      assert.equal(mock.received.length, 0);
    });
  });

  test('through a real gateway: OpenAI stream with usage asked for, first token and tokens counted', async () => {
    const mock = await startMockUpstream({ streamChunks: 4 });
    const gateway = await startGateway(mockConfig(mock.url));
    try {
      const { report } = await loadtest([
        '--url',
        gateway.url,
        '--stream',
        '--requests',
        '5',
        '--clients',
        '2',
      ]);
      assert.deepEqual(report.statuses, { 200: 5 });
      assert.deepEqual(countStatuses(mock.received), { 200: 5 });
      assert.equal(report.ttft_ms?.count, 5);
      assert.equal(report.tokens.answers_with_usage, 5);
      assert.ok(report.tokens.output > 0);
      for (const r of mock.received) {
        const body = bodyOf(r);
        assert.equal(body.stream, true);
        assert.deepEqual(body.stream_options, { include_usage: true });
      }
    } finally {
      await gateway.close();
      await mock.close();
    }
  });
});
