// What a model's tokens cost: the config's `pricing:` first (local or private models, negotiated
// rates), else the bundled `@pydantic/genai-prices` dataset. A model priced by neither has an
// unknown cost, never a silent zero; it is named in a warning once.
import { calcPrice } from '@pydantic/genai-prices';
import type { Logger } from '../log/logger.ts';

export interface ModelPrice {
  /** USD per million tokens. */
  input: number;
  output: number;
  /** Input tokens read from the provider's prompt cache; defaults to `input`. */
  cached_input?: number | undefined;
  /** Input tokens written to the provider's prompt cache; defaults to `input`. */
  cache_write?: number | undefined;
}

export interface PricedUsage {
  /** Every input token, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Of the input, read from the prompt cache. */
  cachedInputTokens?: number | undefined;
  /** Of the input, written to the prompt cache. */
  cacheWriteTokens?: number | undefined;
}

export interface Cost {
  usd: number;
  /** Where the price came from. */
  source: 'config' | 'dataset';
}

/** Model names warned about as unpriced; past this they are not remembered (a flood of names). */
const WARNED_LIMIT = 1000;

export class PriceBook {
  readonly #configured: Map<string, ModelPrice>;
  readonly #logger: Logger | undefined;
  readonly #warned = new Set<string>();

  constructor(configured: Readonly<Record<string, ModelPrice>>, logger?: Logger) {
    this.#configured = new Map(Object.entries(configured).map(([k, v]) => [k.toLowerCase(), v]));
    this.#logger = logger;
  }

  /** The cost of `usage` on `model` (`provider`: the dataset's provider id, `openai`, `anthropic`, ...). */
  cost(model: string, usage: PricedUsage, provider?: string): Cost | undefined {
    const own = this.#configured.get(model.toLowerCase());
    if (own) return { usd: configuredCost(own, usage), source: 'config' };
    const found = datasetCost(model, usage, provider);
    if (found !== undefined) return { usd: found, source: 'dataset' };
    this.#warnOnce(model);
    return undefined;
  }

  #warnOnce(model: string): void {
    if (this.#warned.has(model) || this.#warned.size >= WARNED_LIMIT) return;
    this.#warned.add(model);
    this.#logger?.warn(
      { model: model.slice(0, 256) },
      'no price for this model: its cost is recorded as unknown (add it under pricing:)',
    );
  }
}

function configuredCost(p: ModelPrice, u: PricedUsage): number {
  const cached = u.cachedInputTokens ?? 0;
  const written = u.cacheWriteTokens ?? 0;
  const plain = Math.max(0, u.inputTokens - cached - written);
  return (
    (plain * p.input +
      cached * (p.cached_input ?? p.input) +
      written * (p.cache_write ?? p.input) +
      u.outputTokens * p.output) /
    1_000_000
  );
}

/** A dataset price reduced to flat rates, with the input size from which tiered rates apply. */
interface DatasetRates {
  rates: ModelPrice;
  /** The dataset's provider the model was found under (none: matched by name alone). */
  provider: string | undefined;
  /** Requests with at least this many input tokens are priced by the dataset itself (tiers). */
  tiersFrom: number;
}

type TieredValue = number | { base: number; tiers: { start: number }[] } | undefined;

function baseOf(value: TieredValue): { base: number | undefined; from: number } {
  if (value === undefined || typeof value === 'number')
    return { base: value, from: Number.POSITIVE_INFINITY };
  return { base: value.base, from: Math.min(...value.tiers.map((t) => t.start)) };
}

/** The dataset's lookup takes ~20 µs (it matches names by rules): its answer is kept per model. */
const RATES_KEPT = 1000;
const rates = new Map<string, DatasetRates | null>();

/** The model's rates under `provider`, else by its name alone (a provider the dataset does not know). */
function ratesOf(model: string, provider: string | undefined): DatasetRates | null {
  return lookup(model, provider) ?? (provider === undefined ? null : lookup(model, undefined));
}

function lookup(model: string, provider: string | undefined): DatasetRates | null {
  const id = `${provider ?? ''}\u0000${model}`;
  const known = rates.get(id);
  if (known !== undefined) return known;
  let found: DatasetRates | null = null;
  try {
    const price = calcPrice(
      { input_tokens: 1, output_tokens: 1 },
      model,
      provider ? { providerId: provider } : undefined,
    )?.model_price as Record<string, TieredValue> | undefined;
    if (price) {
      const input = baseOf(price.input_mtok);
      const output = baseOf(price.output_mtok);
      const read = baseOf(price.cache_read_mtok);
      const write = baseOf(price.cache_write_mtok);
      if (input.base !== undefined && output.base !== undefined) {
        found = {
          provider,
          rates: { input: input.base, output: output.base, cached_input: read.base, cache_write: write.base },
          tiersFrom: Math.min(input.from, output.from, read.from, write.from),
        };
      }
    }
  } catch {
    // A name the dataset's matchers cannot handle is simply not priced.
  }
  if (rates.size < RATES_KEPT) rates.set(id, found);
  return found;
}

function datasetCost(model: string, u: PricedUsage, provider: string | undefined): number | undefined {
  const found = ratesOf(model, provider);
  if (!found) return undefined;
  if (u.inputTokens < found.tiersFrom) return configuredCost(found.rates, u);
  // A long prompt on a model with tiered prices: the dataset prices it whole.
  return (
    calcPrice(
      {
        input_tokens: u.inputTokens,
        output_tokens: u.outputTokens,
        cache_read_tokens: u.cachedInputTokens,
        cache_write_tokens: u.cacheWriteTokens,
      },
      model,
      found.provider ? { providerId: found.provider } : undefined,
    )?.total_price ?? undefined
  );
}
