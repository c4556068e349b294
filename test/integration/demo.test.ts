// `cooldown demo` as a newcomer runs it: the real CLI, its own provider and gateway in one process, the
// table's numbers adding up, the gateway phase losing nothing, and a clean exit (by itself, or on SIGTERM
// with --keep).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CliRun, runCli } from '../support/cli.ts';

interface Phase {
  label: string;
  requests: number;
  succeeded: number;
  failed: number;
  upstream429: number;
  upstreamCalls: number;
  wallMs: number;
  capacity: { share: number };
}

interface DemoJson {
  scenario: { keys: number; clients: number; requests: number; streamed: number };
  direct: Phase;
  gateway: Phase;
  summary: string;
  urls: { gateway: string; dashboard: string; provider: string };
}

/** The two numbers of a table row (`  upstream 429s   184   0`). */
function row(table: string, label: string): [number, number] {
  const line = table.split('\n').find((l) => l.trimStart().startsWith(label));
  assert.ok(line, `no "${label}" row in:\n${table}`);
  const cells = line.trim().split(/\s{2,}/);
  return [Number.parseFloat(cells.at(-2)!), Number.parseFloat(cells.at(-1)!)];
}

/** Resolves once the child's stdout contains `pattern`; rejects if it exits first. */
function untilStdout(run: CliRun, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(run.stdout())) return;
      run.child.stdout.off('data', check);
      resolve(run.stdout());
    };
    run.child.stdout.on('data', check);
    run
      .exited()
      .then((code) => reject(new Error(`demo exited (${code}) before ${pattern}: ${run.stderr()}`)));
    check();
  });
}

function stop(run: CliRun): void {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
}

describe('cooldown demo', { concurrency: true }, () => {
  test('runs both phases, prints a table whose numbers add up, and exits 0 by itself', async () => {
    const run = runCli(['demo', '--duration', '2s', '--json']);
    try {
      assert.equal(await run.exited(), 0, run.stderr());
      const result = JSON.parse(run.stdout()) as DemoJson;
      const text = run.stderr();

      assert.ok(result.scenario.keys >= 2);
      assert.ok(result.scenario.streamed > 0);
      for (const phase of [result.direct, result.gateway]) {
        assert.equal(phase.requests, result.scenario.requests);
        assert.equal(phase.succeeded + phase.failed, phase.requests, phase.label);
        // Every answer and every 429 was a call the provider received.
        assert.ok(phase.upstreamCalls >= phase.succeeded + phase.upstream429, phase.label);
        assert.ok(phase.capacity.share > 0 && phase.capacity.share <= 1, phase.label);
      }
      // Straight to the provider, more callers per key than a window admits: refused at once.
      assert.ok(result.direct.upstream429 > 0);
      // Through the gateway the queue outwaits every window and the pacing follows the headers.
      assert.equal(result.gateway.failed, 0);
      assert.equal(result.gateway.upstream429, 0);
      assert.equal(result.gateway.upstreamCalls, result.gateway.requests);

      // The table people read says the same.
      assert.deepEqual(row(text, 'requests'), [result.direct.requests, result.gateway.requests]);
      assert.deepEqual(row(text, 'succeeded'), [result.direct.succeeded, result.gateway.succeeded]);
      assert.deepEqual(row(text, 'failed'), [result.direct.failed, result.gateway.failed]);
      assert.deepEqual(row(text, 'upstream 429s'), [result.direct.upstream429, result.gateway.upstream429]);
      assert.ok(text.includes(result.summary));
      assert.ok(text.includes(`Dashboard: ${result.urls.dashboard}`));
      assert.match(text, /SDK alone +\[#{20}\]/);
      // No secret in what is printed: the demo's keys stay inside the process.
      assert.doesNotMatch(run.stdout() + text, /sk-demo-key/);
    } finally {
      stop(run);
    }
  });

  test('--keep leaves the gateway and the provider serving until SIGTERM, then exits 0', async () => {
    const run = runCli(['demo', '--duration', '1s', '--keep']);
    try {
      const out = await untilStdout(run, /Ctrl-C stops both/);
      const [succeeded, failed, requests] = [row(out, 'succeeded'), row(out, 'failed'), row(out, 'requests')];
      assert.equal(succeeded[0] + failed[0], requests[0]);
      assert.deepEqual([succeeded[1], failed[1]], [requests[1], 0]);
      assert.ok(row(out, 'upstream 429s')[0] > 0);
      const url = /gateway (http:\/\/127\.0\.0\.1:\d+) \(dashboard \1\/dashboard\)/.exec(out)?.[1];
      assert.ok(url, out);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-whatever' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { object: string }).object, 'chat.completion');
      run.child.kill('SIGTERM');
      assert.equal(await run.exited(), 0, run.stderr());
    } finally {
      stop(run);
    }
  });

  test('a --duration it cannot use is refused with a clear message and exit code 2', async () => {
    for (const duration of ['0s', 'soon', '2h']) {
      const run = runCli(['demo', '--duration', duration]);
      try {
        assert.equal(await run.exited(), 2, duration);
        assert.match(
          run.stderr(),
          new RegExp(`cooldown demo: --duration ${duration}: use a duration from 1s to 10m`),
        );
        assert.equal(run.stdout(), '');
      } finally {
        stop(run);
      }
    }
  });
});
