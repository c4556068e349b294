// Resolving a load test's plan: scenario presets, flags over them, defaults, and clear refusals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoadtestError } from './loadtest-error.ts';
import { DEFAULT_MAX_IN_FLIGHT, DUMMY_KEY, type LoadtestOptions, resolvePlan, runShare } from './plan.ts';
import { scenarioNames, scenarios } from './scenarios.ts';

const plan = (options: LoadtestOptions, env: Record<string, string> = {}) => resolvePlan(options, env);

function refused(options: LoadtestOptions, pattern: RegExp): void {
  assert.throws(
    () => plan(options),
    (err: unknown) =>
      err instanceof LoadtestError && err.code === 'invalid_option' && pattern.test(err.message),
  );
}

describe('resolvePlan', () => {
  test('no flags: the light scenario against the local gateway, OpenAI chat, a dummy key', () => {
    const p = plan({});
    assert.equal(p.scenario, 'light');
    assert.equal(p.loop, 'closed');
    assert.equal(p.clients, 2);
    assert.equal(p.rate, undefined);
    assert.equal(p.durationMs, 10_000);
    assert.equal(p.requests, undefined);
    assert.equal(p.origin, 'http://127.0.0.1:8787');
    assert.equal(p.path, '/v1/chat/completions');
    assert.equal(p.model, 'gpt-4o-mini');
    assert.equal(p.key, DUMMY_KEY);
    assert.equal(p.maxTokens, 64);
    assert.equal(p.stream, false);
    assert.equal(p.maxInFlight, DEFAULT_MAX_IN_FLIGHT);
    assert.equal(p.fault, undefined);
  });

  test('every scenario resolves to a bounded plan of its own shape', () => {
    for (const name of scenarioNames) {
      const p = plan({ scenario: name });
      const s = scenarios[name];
      assert.equal(p.durationMs, s.durationMs, name);
      if (s.rate !== undefined)
        assert.deepEqual([p.loop, p.rate, p.clients], ['open', s.rate, undefined], name);
      else assert.equal(p.loop, 'closed', name);
    }
    assert.equal(plan({ scenario: 'moderate' }).clients, 10);
    assert.equal(plan({ scenario: 'heavy' }).clients, 50);
    assert.deepEqual(plan({ scenario: 'circuit_breaker' }).fault, { header: 'status=500', share: 0.25 });
  });

  test('burst: one client per request, all at once, following --requests unless --clients is given', () => {
    const p = plan({ scenario: 'burst' });
    assert.deepEqual([p.clients, p.requests], [100, 100]);
    const bigger = plan({ scenario: 'burst', requests: '250' });
    assert.deepEqual([bigger.clients, bigger.requests], [250, 250]);
    const capped = plan({ scenario: 'burst', requests: '250', clients: '10' });
    assert.deepEqual([capped.clients, capped.requests], [10, 250]);
  });

  test('explicit flags beat the scenario, and --clients or --rate picks the loop', () => {
    const p = plan({
      scenario: 'heavy',
      clients: '3',
      duration: '1m',
      requests: '40',
      model: 'm',
      maxTokens: '9',
    });
    assert.deepEqual(
      [p.loop, p.clients, p.durationMs, p.requests, p.model, p.maxTokens],
      ['closed', 3, 60_000, 40, 'm', 9],
    );
    const open = plan({ scenario: 'heavy', rate: '2.5' });
    assert.deepEqual([open.loop, open.rate, open.clients], ['open', 2.5, undefined]);
    assert.equal(plan({ rate: '600/m' }).rate, 10);
    const closed = plan({ scenario: 'rate_limit_stress', clients: '4' });
    assert.deepEqual([closed.loop, closed.clients, closed.rate], ['closed', 4, undefined]);
  });

  test('the endpoint follows the dialect; a base path replaces the leading /v1', () => {
    const a = plan({ dialect: 'anthropic' });
    assert.deepEqual([a.path, a.model], ['/v1/messages', 'claude-haiku-4-5']);
    assert.equal(plan({ url: 'https://api.openai.com/v1' }).path, '/v1/chat/completions');
    const groq = plan({ url: 'https://api.groq.com/openai/v1/' });
    assert.deepEqual([groq.origin, groq.path], ['https://api.groq.com', '/openai/v1/chat/completions']);
    assert.equal(plan({ url: 'http://127.0.0.1:9999', dialect: 'anthropic' }).path, '/v1/messages');
  });

  test('the key: --key, else the dialect variable, else the dummy', () => {
    const env = { OPENAI_API_KEY: 'sk-openai-env', ANTHROPIC_API_KEY: 'sk-ant-env' };
    assert.equal(plan({}, env).key, 'sk-openai-env');
    assert.equal(plan({ dialect: 'anthropic' }, env).key, 'sk-ant-env');
    assert.equal(plan({ key: 'sk-flag' }, env).key, 'sk-flag');
    assert.equal(plan({ dialect: 'anthropic' }, { OPENAI_API_KEY: 'sk-openai-env' }).key, DUMMY_KEY);
  });

  test('bad input is refused with invalid_option and says what is expected', () => {
    refused({ scenario: 'huge' }, /--scenario huge: expected one of light, moderate/);
    refused({ dialect: 'gemini' }, /--dialect gemini: expected openai or anthropic/);
    refused({ clients: '0' }, /--clients 0: expected a whole number from 1/);
    refused({ clients: '2.5' }, /--clients 2.5/);
    refused({ requests: '-1' }, /--requests -1/);
    refused({ duration: '5x' }, /--duration 5x: use a number of milliseconds or a duration/);
    refused({ duration: '0s' }, /--duration 0s/);
    refused({ duration: '2d' }, /at most 1d/);
    refused({ rate: '0' }, /--rate 0/);
    refused({ rate: 'fast' }, /--rate fast/);
    refused({ clients: '2', rate: '5' }, /--clients and --rate do not go together/);
    refused({ url: 'localhost:8787' }, /--url localhost:8787: expected an http/);
    refused({ url: 'not a url' }, /--url not a url: expected a base URL/);
    refused({ url: 'http://h/v1?x=1' }, /no query string/);
    refused({ model: ' ' }, /--model/);
    refused({ key: '' }, /--key/);
    refused({ maxTokens: '0' }, /--max-tokens 0/);
    refused({ clients: '20', maxInFlight: '5' }, /--clients 20 is more than --max-in-flight 5/);
  });
});

describe('runShare', () => {
  test('the further of time and request count, at most 1', () => {
    assert.equal(runShare({ durationMs: 10_000, requests: undefined }, 2500, 999), 0.25);
    assert.equal(runShare({ durationMs: 10_000, requests: 10 }, 2500, 5), 0.5);
    assert.equal(runShare({ durationMs: 10_000, requests: 10 }, 20_000, 5), 1);
  });
});
