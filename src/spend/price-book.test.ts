import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { PriceBook } from './price-book.ts';

function logger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info', base: undefined }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { log, lines };
}

test('a configured price wins over the dataset, and cache reads and writes have their own rates', () => {
  const book = new PriceBook({ 'GPT-4o': { input: 1, output: 2, cached_input: 0.5, cache_write: 1.25 } });
  const cost = book.cost('gpt-4o', {
    inputTokens: 1_000_000,
    outputTokens: 500_000,
    cachedInputTokens: 200_000,
    cacheWriteTokens: 100_000,
  });
  // 700k plain at 1, 200k read at 0.5, 100k written at 1.25, 500k out at 2 (per million).
  assert.equal(cost?.source, 'config');
  assert.ok(Math.abs(cost.usd - 1.925) < 1e-12, String(cost.usd));
  // Without cache rates, cached input costs the input price.
  const plain = new PriceBook({ local: { input: 2, output: 4 } });
  assert.equal(
    plain.cost('local', { inputTokens: 500_000, outputTokens: 0, cachedInputTokens: 250_000 })?.usd,
    1,
  );
});

test('known models are priced from the bundled dataset, cached input at its cached rate', () => {
  const book = new PriceBook({});
  const full = book.cost('gpt-4o', { inputTokens: 1000, outputTokens: 500 }, 'openai');
  assert.equal(full?.source, 'dataset');
  assert.ok(full!.usd > 0);
  const cached = book.cost(
    'gpt-4o',
    { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 800 },
    'openai',
  );
  assert.ok(cached!.usd < full!.usd, 'cache reads are cheaper');
  assert.ok(book.cost('claude-sonnet-4-5', { inputTokens: 1000, outputTokens: 500 }, 'anthropic')!.usd > 0);
});

test('an unpriced model is unknown, never zero, and is named in a warning once', () => {
  const { log, lines } = logger();
  const book = new PriceBook({}, log);
  for (let i = 0; i < 3; i++)
    assert.equal(book.cost('my-private-llama-70b', { inputTokens: 10, outputTokens: 10 }), undefined);
  const warnings = lines.filter((l) => l.model === 'my-private-llama-70b');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.level, 40);
});

test('dataset prices match the dataset itself, tiered ones included', async () => {
  const { calcPrice } = await import('@pydantic/genai-prices');
  const book = new PriceBook({});
  for (const [model, provider, input] of [
    ['gpt-4o-mini', 'openai', 1200],
    ['claude-sonnet-4-5', 'anthropic', 1200],
    ['claude-sonnet-4-5', 'anthropic', 250_000],
  ] as const) {
    const usage = { inputTokens: input, outputTokens: 300, cachedInputTokens: 200 };
    const expected = calcPrice({ input_tokens: input, output_tokens: 300, cache_read_tokens: 200 }, model, {
      providerId: provider,
    })!.total_price;
    assert.ok(Math.abs(book.cost(model, usage, provider)!.usd - expected) < 1e-12, `${model} ${input}`);
  }
});
