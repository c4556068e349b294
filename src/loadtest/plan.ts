// The run `cooldown loadtest` makes: its flags over its scenario over the defaults, checked and bounded.
import { DURATION_HINT, formatDuration, parseDuration, parseRate, RATE_HINT } from '../config/units.ts';
import { joinUpstreamPath, parseUpstreamBase } from '../routing/url-join.ts';
import { LoadtestError } from './loadtest-error.ts';
import {
  DEFAULT_SCENARIO,
  isScenarioName,
  type Scenario,
  type ScenarioName,
  scenarioNames,
  scenarios,
} from './scenarios.ts';

/** The flags as commander hands them over: strings, checked here so every problem reads alike. */
export interface LoadtestOptions {
  url?: string;
  dialect?: string;
  scenario?: string;
  clients?: string;
  rate?: string;
  duration?: string;
  requests?: string;
  model?: string;
  stream?: boolean;
  maxTokens?: string;
  key?: string;
  output?: string;
  maxInFlight?: string;
}

export type LoadDialect = 'openai' | 'anthropic';
export type Loop = 'closed' | 'open';

export interface LoadPlan {
  /** The base URL as given (may hold a path such as `/v1` or `/openai/v1`). */
  readonly url: string;
  readonly origin: string;
  /** The endpoint's path on that origin. */
  readonly path: string;
  readonly dialect: LoadDialect;
  readonly scenario: ScenarioName;
  readonly loop: Loop;
  /** Closed loop: concurrent clients. Open loop: undefined. */
  readonly clients: number | undefined;
  /** Open loop: requests per second. Closed loop: undefined. */
  readonly rate: number | undefined;
  readonly durationMs: number;
  /** Stop after this many requests were sent (and answered), if it comes before the duration. */
  readonly requests: number | undefined;
  /** Requests waiting for an answer at once, at most; an open loop skips what would go past it. */
  readonly maxInFlight: number;
  readonly model: string;
  readonly stream: boolean;
  readonly maxTokens: number;
  readonly key: string;
  readonly output: string | undefined;
  readonly fault: Scenario['fault'];
}

export const DEFAULT_URL = 'http://127.0.0.1:8787';
export const DEFAULT_MAX_TOKENS = 64;
export const DEFAULT_MAX_IN_FLIGHT = 10_000;
/** Sent when no key is given or in the environment: enough for a gateway with its own keys, or a mock. */
export const DUMMY_KEY = 'sk-cooldown-loadtest';
const DEFAULT_MODELS: Readonly<Record<LoadDialect, string>> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
};
const KEY_ENV: Readonly<Record<LoadDialect, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};
const ENDPOINTS: Readonly<Record<LoadDialect, string>> = {
  openai: '/v1/chat/completions',
  anthropic: '/v1/messages',
};

const MAX_CLIENTS = 10_000;
const MAX_RATE = 100_000;
const MAX_DURATION_MS = 86_400_000;
const MAX_REQUESTS = 100_000_000;
const MAX_OUTPUT_TOKENS = 1_000_000;

function invalid(message: string): LoadtestError {
  return new LoadtestError('invalid_option', message);
}

function wholeNumber(flag: string, value: string, max: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max)
    throw invalid(`${flag} ${value}: expected a whole number from 1 to ${max.toLocaleString('en-US')}`);
  return Number(value);
}

/** Requests per second from `25`, `2.5`, or a rate such as `600/m`. */
function requestRate(value: string): number {
  const text = value.trim();
  const perSecond = /^\d+(\.\d+)?$/.test(text)
    ? Number(text)
    : ((r) => (r ? (r.count * 1000) / r.perMs : Number.NaN))(parseRate(text));
  if (!(perSecond > 0) || perSecond > MAX_RATE)
    throw invalid(`--rate ${value}: requests per second up to ${MAX_RATE} (like 50 or 2.5), or ${RATE_HINT}`);
  return perSecond;
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0 || ms > MAX_DURATION_MS)
    throw invalid(`--duration ${value}: ${DURATION_HINT} (at most ${formatDuration(MAX_DURATION_MS)})`);
  return ms;
}

function target(value: string, dialect: LoadDialect): { origin: string; path: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`--url ${value}: expected a base URL like ${DEFAULT_URL} or https://api.openai.com/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(`--url ${value}: expected an http:// or https:// URL`);
  if (url.search !== '' || url.hash !== '')
    throw invalid(`--url ${value}: a base URL has no query string or fragment`);
  return { origin: url.origin, path: joinUpstreamPath(parseUpstreamBase(value), ENDPOINTS[dialect]) };
}

/** The closed or open loop: an explicit `--clients` or `--rate` picks it, else the scenario's. */
function loopOf(
  options: LoadtestOptions,
  scenario: Scenario,
  requests: number | undefined,
): { loop: Loop; clients: number | undefined; rate: number | undefined } {
  if (options.clients !== undefined && options.rate !== undefined)
    throw invalid(
      '--clients and --rate do not go together: --clients runs a closed loop, --rate an open one',
    );
  if (options.rate !== undefined)
    return { loop: 'open', clients: undefined, rate: requestRate(options.rate) };
  if (options.clients !== undefined)
    return {
      loop: 'closed',
      clients: wholeNumber('--clients', options.clients, MAX_CLIENTS),
      rate: undefined,
    };
  if (scenario.rate !== undefined) return { loop: 'open', clients: undefined, rate: scenario.rate };
  const clients = scenario.spike ? Math.min(requests ?? 1, MAX_CLIENTS) : (scenario.clients ?? 1);
  return { loop: 'closed', clients, rate: undefined };
}

export function resolvePlan(
  options: LoadtestOptions,
  env: Readonly<Record<string, string | undefined>>,
): LoadPlan {
  const scenarioName = options.scenario ?? DEFAULT_SCENARIO;
  if (!isScenarioName(scenarioName))
    throw invalid(`--scenario ${scenarioName}: expected one of ${scenarioNames.join(', ')}`);
  const scenario = scenarios[scenarioName];
  const dialect = options.dialect ?? 'openai';
  if (dialect !== 'openai' && dialect !== 'anthropic')
    throw invalid(`--dialect ${dialect}: expected openai or anthropic`);
  const url = options.url ?? DEFAULT_URL;
  const requests =
    options.requests !== undefined
      ? wholeNumber('--requests', options.requests, MAX_REQUESTS)
      : scenario.requests;
  const model = options.model ?? DEFAULT_MODELS[dialect];
  if (model.trim() === '') throw invalid('--model: expected a model name');
  const key = options.key ?? (env[KEY_ENV[dialect]]?.trim() || DUMMY_KEY);
  if (key === '') throw invalid('--key: expected an API key');
  const loop = loopOf(options, scenario, requests);
  const maxInFlight =
    options.maxInFlight !== undefined
      ? wholeNumber('--max-in-flight', options.maxInFlight, MAX_CLIENTS * 10)
      : DEFAULT_MAX_IN_FLIGHT;
  if (loop.clients !== undefined && loop.clients > maxInFlight)
    throw invalid(`--clients ${loop.clients} is more than --max-in-flight ${maxInFlight}`);
  return {
    url,
    ...target(url, dialect),
    dialect,
    scenario: scenarioName,
    ...loop,
    durationMs: options.duration !== undefined ? duration(options.duration) : scenario.durationMs,
    requests,
    maxInFlight,
    model,
    stream: options.stream ?? false,
    maxTokens:
      options.maxTokens !== undefined
        ? wholeNumber('--max-tokens', options.maxTokens, MAX_OUTPUT_TOKENS)
        : DEFAULT_MAX_TOKENS,
    key,
    output: options.output,
    fault: scenario.fault,
  };
}

/** How far along a run is, 0..1: the further of its time and its request count. */
export function runShare(
  plan: Pick<LoadPlan, 'durationMs' | 'requests'>,
  elapsedMs: number,
  sent: number,
): number {
  const byTime = elapsedMs / plan.durationMs;
  const byCount = plan.requests === undefined ? 0 : sent / plan.requests;
  return Math.min(1, Math.max(byTime, byCount));
}
