// The config's human units: durations (`100ms`, `5s`), rates (`10/s`, `100/m`) and sizes (`10mb`).

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i;
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h|d)$/;

export const DURATION_HINT = 'use a number of milliseconds or a duration like 100ms, 5s, 5m, 1h, 1d';
export const SIZE_HINT = 'use a number of bytes or a size like 512kb, 10mb, 1gb';
export const RATE_HINT = 'use a rate like 10/s, 100/m, 1000/h, 5/10s';

/** Milliseconds, or undefined when the value is not a duration. A bare number is milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (DURATION_UNITS[m[2] ?? 'ms'] ?? Number.NaN));
}

/** Bytes, or undefined when the value is not a size. A bare number is bytes. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = SIZE.exec(value.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? Number.NaN));
}

/** `count` events per `perMs` milliseconds. */
export interface Rate {
  readonly count: number;
  readonly perMs: number;
}

export function parseRate(value: string | number): Rate | undefined {
  if (typeof value === 'number')
    return value > 0 && Number.isFinite(value) ? { count: value, perMs: 1000 } : undefined;
  const m = RATE.exec(value.trim());
  if (!m) return undefined;
  const count = Number(m[1]);
  const perMs = Number(m[2] ?? 1) * (DURATION_UNITS[m[3]!] ?? Number.NaN);
  return count > 0 && perMs > 0 ? { count, perMs } : undefined;
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
