// Pure parsers for the time formats upstreams use in rate-limit headers; undefined means malformed.

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
// Longer than any real header value; bounds the work done on hostile input.
const MAX_LENGTH = 100;

const SECONDS = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
// RFC 9110 §5.6.7: IMF-fixdate is what senders use; recipients must also accept RFC 850 and asctime dates.
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Rounds to whole nanoseconds (the resolution of every format here), which also hides float noise. */
function toMs(ms: number): number | undefined {
  const rounded = Math.round(ms * 1e6) / 1e6;
  return Number.isFinite(rounded) ? rounded : undefined;
}

/** Go `time.Duration` text (`1s`, `6m0s`, `12ms`, `2m59.56s`, `1h2m3.5s`) to milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  const n = s.length;
  if (n === 0 || n > MAX_LENGTH) return undefined;
  if (s === '0') return 0; // Go's one unitless form
  let total = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    let digits = i - start;
    if (i < n && s.charCodeAt(i) === 46 /* . */) {
      i++;
      const fractionStart = i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      digits += i - fractionStart;
    }
    if (digits === 0) return undefined;
    const value = Number(s.slice(start, i));
    const unit = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    let unitMs: number;
    if (unit === 104 /* h */) {
      unitMs = HOUR_MS;
      i += 1;
    } else if (unit === 109 /* m */) {
      // `ms` before `m`.
      if (next === 115 /* s */) {
        unitMs = 1;
        i += 2;
      } else {
        unitMs = MINUTE_MS;
        i += 1;
      }
    } else if (unit === 115 /* s */) {
      unitMs = SECOND_MS;
      i += 1;
    } else if (
      (unit === 117 /* u */ || unit === 0xb5 /* µ micro */ || unit === 0x3bc) /* μ mu */ &&
      next === 115
    ) {
      unitMs = 1e-3;
      i += 2;
    } else if (unit === 110 /* n */ && next === 115) {
      unitMs = 1e-6;
      i += 2;
    } else {
      return undefined; // missing or unknown unit, sign, junk
    }
    total += value * unitMs;
  }
  return toMs(total);
}

/** Plain non-negative seconds, maybe fractional (`2`, `11.382867097854614`), to milliseconds. */
export function parseSeconds(text: string): number | undefined {
  const s = text.trim();
  if (s.length === 0 || s.length > MAX_LENGTH || !SECONDS.test(s)) return undefined;
  return toMs(Number(s) * SECOND_MS);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch ms of a UTC civil time, or undefined when a field is out of range. Second 60 (leap) is allowed. */
function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999.
  return year < 100 ? new Date(ms).setUTCFullYear(year) : ms;
}

/** RFC 3339 instant (`2026-08-21T12:40:59Z`, `…59.25+02:00`) to epoch ms. Requires a zone designator. */
export function parseRfc3339(text: string): number | undefined {
  const s = text.trim();
  if (s.length > MAX_LENGTH) return undefined;
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const base = utcMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (base === undefined) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(m[7]) * SECOND_MS;
  let offset = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMinutes = Number(m[10]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offset = (m[8] === '-' ? -1 : 1) * (offsetHours * HOUR_MS + offsetMinutes * MINUTE_MS);
  }
  // Local time = UTC + offset.
  return base + fraction - offset;
}

/** HTTP-date (IMF-fixdate `Wed, 21 Oct 2026 07:28:00 GMT`, or the obsolete RFC 850 / asctime forms) to epoch ms. */
export function parseHttpDate(text: string): number | undefined {
  const s = text.trim();
  if (s.length > MAX_LENGTH) return undefined;
  let m = IMF_FIXDATE.exec(s);
  if (m !== null) {
    const month = MONTHS[m[2]!];
    if (month === undefined) return undefined;
    return utcMs(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = RFC850_DATE.exec(s);
  if (m !== null) {
    const month = MONTHS[m[2]!];
    if (month === undefined) return undefined;
    const yy = Number(m[3]);
    // Two-digit years: pick the nearer century (these dates only come from very old servers anyway).
    const year = yy < 70 ? 2000 + yy : 1900 + yy;
    return utcMs(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(s);
  if (m !== null) {
    const month = MONTHS[m[1]!];
    if (month === undefined) return undefined;
    return utcMs(Number(m[6]), month, Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  }
  return undefined;
}

/** `retry-after`: delay seconds (RFC 9110 says integer; SDKs accept floats) or an HTTP-date; ms from now. */
export function parseRetryAfter(text: string, nowMs: number): number | undefined {
  const seconds = parseSeconds(text);
  if (seconds !== undefined) return seconds;
  const at = parseHttpDate(text);
  if (at === undefined) return undefined;
  // A date already past means "retry now", not "never".
  return Math.max(0, at - nowMs);
}
