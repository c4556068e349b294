// Spend survives a kill -9: the gateway runs as a real process on an SQLite file, spends, is killed
// without a chance to flush anything, and a new process on the same file knows every settled cent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { PriceBook } from '../../src/spend/price-book.ts';
import { runCli } from '../support/cli.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const dir = mkdtempSync(join(tmpdir(), 'cooldown-durable-'));
let mock: MockUpstream;
before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Stats {
  spend: { store: { backend: string }; budgets: { spent_usd: number }[] };
}

async function startOnFile(file: string) {
  const run = runCli(['--config', file], { COOLDOWN_PORT: '0' });
  const url = (await run.waitForLog(/listening/)).url as string;
  return { run, url };
}

test('kill -9 after spending: a restart on the same file has the spend, to the cent of what was settled', async () => {
  const file = join(dir, 'cooldown.yaml');
  writeFileSync(
    file,
    [
      'upstreams:',
      `  openai: { url: "${mock.url}", keys: [sk-upstream-durable-key-00000000001] }`,
      'routes: { models: [{ match: "*", upstream: openai }] }',
      'pricing: { house-model: { input: 1000, output: 1000 } }',
      'budgets: [{ scope: global, period: daily, limit_usd: 100 }]',
      `store: { sqlite: "${join(dir, 'state.db')}" }`,
    ].join('\n'),
  );
  const prices = new PriceBook({ 'house-model': { input: 1000, output: 1000 } });
  const first = await startOnFile(file);
  let settled = 0;
  try {
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
    for (let i = 0; i < 7; i++) {
      const a = await client.chat.completions.create({
        model: 'house-model',
        max_tokens: 20,
        messages: [{ role: 'user', content: `spend ${i}` }],
      });
      settled += prices.cost('house-model', {
        inputTokens: a.usage!.prompt_tokens,
        outputTokens: a.usage!.completion_tokens,
      })!.usd;
    }
  } finally {
    first.run.child.kill('SIGKILL');
    await first.run.exited();
  }
  assert.ok(settled > 0);
  const second = await startOnFile(file);
  try {
    const spend = (await (await fetch(`${second.url}/spend`)).json()) as {
      rows: { requests: number; cost_usd: number }[];
    };
    assert.equal(spend.rows[0]!.requests, 7);
    assert.equal(spend.rows[0]!.cost_usd.toFixed(6), settled.toFixed(6));
    const stats = (await (await fetch(`${second.url}/stats`)).json()) as Stats;
    assert.equal(stats.spend.store.backend, 'sqlite');
    assert.equal(
      stats.spend.budgets[0]!.spent_usd.toFixed(6),
      settled.toFixed(6),
      'the budget counts it too',
    );
  } finally {
    second.run.child.kill('SIGTERM');
    await second.run.exited();
  }
});
