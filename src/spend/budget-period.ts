// Calendar budget periods: which hour, day, ISO week or month an instant falls in, in one time zone.
// Built on Intl alone (no date library): the runtime's tz database is the one the operator's OS and
// Node already agree on, and the hot path only ever compares two numbers.

export type BudgetPeriod = 'hourly' | 'daily' | 'weekly' | 'monthly';

const PERIODS: readonly BudgetPeriod[] = ['hourly', 'daily', 'weekly', 'monthly'];

export function isBudgetPeriod(v: string): v is BudgetPeriod {
  return (PERIODS as readonly string[]).includes(v);
}

/** One instance of a period: `start` inclusive, `end` exclusive, epoch ms. */
export interface PeriodSpan {
  readonly start: number;
  readonly end: number;
  /** Names this instance in the calendar's zone, stable enough for a storage key: `2026-W49`. */
  readonly label: string;
}

/** Local wall-clock fields; `month` 1-12. */
interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
}

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

export class PeriodCalendar {
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat;
  // The last span handed out per period: within it, a call is a comparison.
  readonly #last: Partial<Record<BudgetPeriod, PeriodSpan>> = {};

  constructor(timeZone = 'UTC') {
    try {
      // Gregorian calendar and Latin digits whatever the host's locale; h23 so midnight is 0, not 24.
      this.#format = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new Error(`unknown time zone "${timeZone}" (expected an IANA name such as Europe/Berlin or UTC)`);
    }
    this.timeZone = this.#format.resolvedOptions().timeZone;
  }

  /** The instance of `period` that contains the instant `epochMs`. */
  span(period: BudgetPeriod, epochMs: number): PeriodSpan {
    const last = this.#last[period];
    if (last !== undefined && last.start <= epochMs && epochMs < last.end) return last;
    if (!Number.isFinite(epochMs)) throw new RangeError(`not an instant: ${epochMs}`);
    const next = this.#compute(period, epochMs);
    this.#last[period] = next;
    return next;
  }

  #compute(period: BudgetPeriod, t: number): PeriodSpan {
    const { year, month, day, hour } = this.#fields(t);
    // Boundaries as local wall-clock times, written as if they were UTC; #instantOf converts them.
    let from: number;
    let to: number;
    let label: string;
    switch (period) {
      case 'hourly':
        from = Date.UTC(year, month - 1, day, hour);
        to = Date.UTC(year, month - 1, day, hour + 1);
        label = `${dateLabel(year, month, day)}T${pad(hour, 2)}`;
        break;
      case 'daily':
        from = Date.UTC(year, month - 1, day);
        to = Date.UTC(year, month - 1, day + 1);
        label = dateLabel(year, month, day);
        break;
      case 'weekly': {
        const date = Date.UTC(year, month - 1, day);
        from = date - (isoWeekday(date) - 1) * DAY_MS;
        to = from + 7 * DAY_MS;
        label = isoWeekLabel(date);
        break;
      }
      case 'monthly':
        from = Date.UTC(year, month - 1, 1);
        to = Date.UTC(year, month, 1);
        label = `${pad(year, 4)}-${pad(month, 2)}`;
        break;
      default:
        throw new Error(`unknown budget period "${String(period)}"`);
    }
    return { start: this.#instantOf(from), end: this.#instantOf(to), label };
  }

  #fields(t: number): WallFields & { minute: number; second: number } {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.#format.formatToParts(t)) {
      const n = Number(part.value);
      if (part.type === 'year') year = n;
      else if (part.type === 'month') month = n;
      else if (part.type === 'day') day = n;
      else if (part.type === 'hour') hour = n;
      else if (part.type === 'minute') minute = n;
      else if (part.type === 'second') second = n;
    }
    return { year, month, day, hour, minute, second };
  }

  /** The zone's wall clock at `t`, written as if it were UTC, to the second. */
  #wallAt(t: number): number {
    const f = this.#fields(t);
    return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  }

  /** How far the zone's clock is ahead of UTC at `t`. */
  #offsetAt(t: number): number {
    return this.#wallAt(t) - (t - mod(t, SECOND_MS));
  }

  /**
   * The first instant the zone's clock reads `wall`, or, when a forward jump skips it, the instant of
   * the jump (the clock's first reading past it). Offset correction from the offsets a day either side:
   * any transition near `wall` lies between them, and tz zones never change twice within a day.
   */
  #instantOf(wall: number): number {
    const before = this.#offsetAt(wall - DAY_MS);
    const after = this.#offsetAt(wall + DAY_MS);
    const early = wall - Math.max(before, after);
    const late = wall - Math.min(before, after);
    // Earliest first: on a repeated (fall-back) reading the period starts at its first occurrence.
    if (this.#wallAt(early) === wall) return early;
    if (early !== late && this.#wallAt(late) === wall) return late;
    return this.#jumpPast(wall, early, late);
  }

  /** In a skipped stretch: the first second in [lo, hi] whose reading is at or past `wall`. */
  #jumpPast(wall: number, lo: number, hi: number): number {
    // tz transitions fall on whole seconds, so searching seconds is exact.
    let a = Math.floor(lo / SECOND_MS);
    let b = Math.ceil(hi / SECOND_MS);
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      if (this.#wallAt(mid * SECOND_MS) >= wall) b = mid;
      else a = mid + 1;
    }
    return a * SECOND_MS;
  }
}

/** 1 = Monday ... 7 = Sunday, of a date at UTC midnight. */
function isoWeekday(dateMs: number): number {
  return new Date(dateMs).getUTCDay() || 7;
}

/** ISO 8601 week: the week belongs to the year of its Thursday. */
function isoWeekLabel(dateMs: number): string {
  const thursday = new Date(dateMs + (4 - isoWeekday(dateMs)) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${pad(isoYear, 4)}-W${pad(week, 2)}`;
}

function dateLabel(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
