// Turns an upstream response's headers into a normalized rate-limit reading, driven only by header specs.
import {
  parseGoDuration,
  parseHttpDate,
  parseRetryAfter,
  parseRfc3339,
  parseSeconds,
} from './time-formats.ts';
import type {
  HeaderBag,
  LimitWindow,
  RateLimitHeaderSpec,
  RateLimitReading,
  RateLimitWindowState,
  ResetFormat,
} from './types.ts';

const HOUR_MS = 3_600_000;
// Beyond this a server delay is a hard block, not a wait; the caller falls back to other signals.
const MAX_RETRY_AFTER_MS = 48 * HOUR_MS;
// `epoch-or-seconds`: no relative reset is 31 years long, and no epoch in seconds is this small.
const EPOCH_SECONDS_MIN = 1e9;
// ... and a value this large is epoch milliseconds (OpenRouter style), never epoch seconds (year 33658).
const EPOCH_MS_MIN = 1e12;
const RETRY_AFTER_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms', 'retry-after'] as const;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const UPPER_CASE = /[A-Z]/;
// Longest raw value quoted back in `rejected`; the rest is cut.
const MAX_QUOTED = 60;

/** A `date` header further off our clock than this is clock skew worth correcting for. */
const SKEW_THRESHOLD_MS = 2000;

/** Reads every window the specs describe, plus the server's retry delay, from one response's headers. */
export function readRateLimits(
  specs: readonly RateLimitHeaderSpec[],
  headers: HeaderBag,
  nowMs: number,
): RateLimitReading {
  const windows: RateLimitWindowState[] = [];
  const rejected: string[] = [];
  // The server's clock from `date`, read at most once and only for absolute resets. null: not read yet.
  let serverNowMs: number | undefined | null = null;

  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const rawLimit = header(headers, spec.limit);
    const rawRemaining = header(headers, spec.remaining);
    const rawReset = header(headers, spec.reset);
    if (rawLimit === undefined && rawRemaining === undefined && rawReset === undefined) continue;

    let limit: number | undefined;
    if (rawLimit !== undefined) {
      const value = parseCount(rawLimit);
      // Azure sends -1 for "unknown"; a limit of 0 would block forever. Neither is a limit.
      if (value !== undefined && value > 0) limit = value;
      else reject(rejected, spec.limit, rawLimit, 'is not a positive number');
    }

    let remaining: number | undefined;
    if (rawRemaining !== undefined) {
      const value = parseCount(rawRemaining);
      if (value === undefined) reject(rejected, spec.remaining, rawRemaining, 'is not a non-negative number');
      else if (limit !== undefined && value > limit) {
        reject(rejected, spec.remaining, rawRemaining, `is above the limit ${limit}`);
      } else remaining = value;
    }

    let resetAt: number | undefined;
    if (rawReset !== undefined) {
      const boundHours = resetBoundHours(spec.window);
      const boundMs = boundHours * HOUR_MS;
      let relativeMs: number | undefined;
      const absoluteMs = readAbsolute(spec.resetFormat, rawReset);
      if (absoluteMs !== undefined) {
        if (serverNowMs === null) serverNowMs = readDate(headers, rejected);
        // Measure against the server's own clock when ours is off from it, so clock skew cancels out.
        // `date` has whole seconds (up to 1 s behind), so below that it would only add error.
        const reference =
          serverNowMs !== undefined && Math.abs(serverNowMs - nowMs) > SKEW_THRESHOLD_MS
            ? serverNowMs
            : nowMs;
        relativeMs = absoluteMs - reference;
        if (relativeMs < -boundMs) {
          reject(rejected, spec.reset, rawReset, `is more than ${boundHours} h in the past`);
          relativeMs = undefined;
        } else if (relativeMs < 0) {
          relativeMs = 0; // already full again
        }
      } else {
        relativeMs = readRelative(spec.resetFormat, rawReset);
        if (relativeMs === undefined) {
          reject(rejected, spec.reset, rawReset, FORMAT_PROBLEM[spec.resetFormat]);
        }
      }
      if (relativeMs !== undefined) {
        if (relativeMs > boundMs) reject(rejected, spec.reset, rawReset, `is more than ${boundHours} h away`);
        else resetAt = nowMs + relativeMs;
      }
    }

    if (limit === undefined && remaining === undefined && resetAt === undefined) continue;
    const state: RateLimitWindowState = { dimension: spec.dimension, window: spec.window };
    if (limit !== undefined) state.limit = limit;
    if (remaining !== undefined) state.remaining = remaining;
    if (resetAt !== undefined) state.resetAt = resetAt;
    windows.push(state);
  }

  const retryAfterMs = readRetryAfter(headers, nowMs, rejected);
  return retryAfterMs === undefined ? { windows, rejected } : { windows, retryAfterMs, rejected };
}

const FORMAT_PROBLEM: Readonly<Record<ResetFormat, string>> = {
  duration: 'is not a duration',
  seconds: 'is not a number of seconds',
  timestamp: 'is not an RFC 3339 timestamp',
  'epoch-or-seconds': 'is not a number of seconds',
};

/** How far away a reset may plausibly be for a window; anything further is a bogus value. */
function resetBoundHours(window: LimitWindow): number {
  switch (window) {
    case 'second':
    case 'minute':
      return 1;
    case 'hour':
      return 2;
    default:
      return 48;
  }
}

/** The absolute epoch ms a reset value names, or undefined when its format is relative (or it is bad). */
function readAbsolute(format: ResetFormat, raw: string): number | undefined {
  if (format === 'timestamp') return parseRfc3339(raw);
  if (format === 'epoch-or-seconds') {
    const value = parseCount(raw);
    if (value === undefined || value <= EPOCH_SECONDS_MIN) return undefined;
    return value >= EPOCH_MS_MIN ? value : value * 1000;
  }
  return undefined;
}

/** Milliseconds from now of a relative reset value, or undefined when malformed. */
function readRelative(format: ResetFormat, raw: string): number | undefined {
  switch (format) {
    case 'duration':
      // Azure OpenAI answers with OpenAI's header names but writes resets as plain seconds (`55`).
      return parseGoDuration(raw) ?? parseSeconds(raw);
    case 'seconds':
    case 'epoch-or-seconds':
      return parseSeconds(raw);
    default:
      return undefined;
  }
}

/** First present and usable of `retry-after-ms`, `x-ms-retry-after-ms`, `retry-after` (the SDKs' order). */
function readRetryAfter(headers: HeaderBag, nowMs: number, rejected: string[]): number | undefined {
  for (const name of RETRY_AFTER_HEADERS) {
    const raw = header(headers, name);
    if (raw === undefined) continue;
    const ms = name === 'retry-after' ? parseRetryAfter(raw, nowMs) : parseCount(raw);
    if (ms === undefined) reject(rejected, name, raw, 'is not a delay');
    else if (ms > MAX_RETRY_AFTER_MS) reject(rejected, name, raw, 'is over 48 h');
    else return ms;
  }
  return undefined;
}

function readDate(headers: HeaderBag, rejected: string[]): number | undefined {
  const raw = header(headers, 'date');
  if (raw === undefined) return undefined;
  const ms = parseHttpDate(raw);
  if (ms !== undefined) return ms;
  reject(rejected, 'date', raw, 'is not an HTTP date');
  return undefined;
}

/** A plain non-negative decimal (no sign, exponent, hex or `Infinity`). */
function parseCount(raw: string): number | undefined {
  const s = raw.trim();
  if (!DECIMAL.test(s)) return undefined;
  const value = Number(s);
  return Number.isFinite(value) ? value : undefined;
}

/** A header's value; the first one when repeated. Names in specs should be lower-case, but need not be. */
function header(headers: HeaderBag, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined && UPPER_CASE.test(name)) value = headers[name.toLowerCase()];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function reject(rejected: string[], name: string, raw: string, problem: string): void {
  const shown = raw.length > MAX_QUOTED ? `${raw.slice(0, MAX_QUOTED)}…` : raw;
  rejected.push(`${name}: ${JSON.stringify(shown)} ${problem}`);
}
