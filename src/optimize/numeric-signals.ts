// Numeric signals in a scanned array of similar objects: outliers (robust z-score from the median
// and the median absolute deviation, which a few wild values cannot drag) and change points in a
// series ordered by time (a step far larger than the typical step between neighbours).

import { NUMBER, OBJECT, type ScannedArray, STRING } from './json/scanned-array.ts';
import { sampledMedian } from './median.ts';
import type { Ranked } from './ranking.ts';

const OUTLIER_Z = 3.5;
const CHANGE_FACTOR = 6;
/** A field counts when at least this share of the items has it as a number. */
const FIELD_SHARE = 0.5;
const TIME_KEY = /time|date|(^|_)ts$|_at$|^t$|^when$/i;

/** Powers of ten that doubles hold exactly. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The number between `start` and `end` of the text, read from its code units without a copy when
 * it has at most 15 digits and no exponent: such an integer is exact in a double, and one exact
 * division by a power of ten rounds as parsing the decimal does.
 */
export function numberAt(text: string, codes: Uint16Array, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let i = start;
  const negative = codes[i] === 45;
  if (negative) i++;
  let value = 0;
  let point = -1;
  for (; i < end; i++) {
    const c = codes[i]! - 48;
    if (c >= 0 && c <= 9) value = value * 10 + c;
    else if (c === -2 && point < 0) point = i;
    else return Number(text.slice(start, end));
  }
  if (point >= 0) value /= POW10[end - point - 1]!;
  return negative ? -value : value;
}

/** Values of each numeric top-level field, NaN where an item lacks it (fields in order of first use). */
export function numericFields(text: string, array: ScannedArray): Map<string, Float64Array> {
  const n = array.length;
  const { firstMember, memberKey, memberKind, memberStart, memberEnd } = array;
  const byKey: (Float64Array | undefined)[] = new Array(array.keys.length);
  const counts = new Int32Array(array.keys.length);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const to = firstMember[i + 1]!;
    for (let m = firstMember[i]!; m < to; m++) {
      if (memberKind[m] !== NUMBER) continue;
      const key = memberKey[m]!;
      let values = byKey[key];
      if (!values) {
        values = new Float64Array(n).fill(Number.NaN);
        byKey[key] = values;
        order.push(key);
      }
      values[i] = numberAt(text, array.codes, memberStart[m]!, memberEnd[m]!);
      counts[key]!++;
    }
  }
  const fields = new Map<string, Float64Array>();
  for (const key of order) if (counts[key]! >= n * FIELD_SHARE) fields.set(array.keys[key]!, byKey[key]!);
  return fields;
}

/** The typical spread around the median: MAD, or the mean absolute deviation when most values tie. */
function spread(values: Float64Array, center: number): number {
  const mad = sampledMedian(values, (v) => Math.abs(v - center)) / 0.6745;
  if (mad > 0) return mad;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    sum += Math.abs(v - center);
    count++;
  }
  return (sum / count) * 1.2533;
}

/** The best score of each item so far; items that tie rank in the order they first scored. */
class BestScores {
  private readonly scores: Float64Array;
  private readonly order: number[] = [];

  constructor(length: number) {
    this.scores = new Float64Array(length);
  }

  /** A score above zero for item i, kept when it beats the item's best. */
  offer(i: number, score: number): void {
    const best = this.scores[i]!;
    if (score <= best) return;
    if (best === 0) this.order.push(i);
    this.scores[i] = score;
  }

  ranked(): Ranked[] {
    return this.order
      .map((index) => ({ index, score: this.scores[index]! }))
      .sort((a, b) => b.score - a.score);
  }
}

/** Items whose value in some numeric field is far from the rest, most extreme first. */
export function findOutliers(fields: Map<string, Float64Array>): Ranked[] {
  let best: BestScores | undefined;
  for (const values of fields.values()) {
    const center = sampledMedian(values);
    if (Number.isNaN(center)) continue;
    const scale = spread(values, center);
    if (!(scale > 0)) continue;
    best ??= new BestScores(values.length);
    offerFarValues(values, center, scale, best);
  }
  return best?.ranked() ?? [];
}

/**
 * Scores each value far from the center. A function of its own that ends with its loop: the engine
 * compiles the long loop of a function called once per request while the loop runs, and code after
 * the loop in that version (here, the next field) had never run, so it was thrown away on every call.
 */
function offerFarValues(values: Float64Array, center: number, scale: number, best: BestScores): void {
  for (let i = 0; i < values.length; i++) {
    const z = Math.abs(values[i]! - center) / scale;
    if (z > OUTLIER_Z) best.offer(i, z);
  }
}

/** The field the items are ordered by, if one looks like a time and is sorted either way. */
export function timeField(text: string, array: ScannedArray): string | undefined {
  if (array.length === 0 || array.itemKind[0] !== OBJECT) return undefined;
  for (let m = array.firstMember[0]!; m < array.firstMember[1]!; m++) {
    const kind = array.memberKind[m]!;
    const key = array.keys[array.memberKey[m]!]!;
    if (!TIME_KEY.test(key) || (kind !== STRING && kind !== NUMBER)) continue;
    if (isOrderedBy(text, array, m, kind)) return key;
  }
  return undefined;
}

/**
 * True when every item has the key of the first item's member `first`, of the same kind, and the
 * values only go up or only go down. Each item's member is looked for first where the first item
 * has it: items repeat their order.
 */
function isOrderedBy(text: string, array: ScannedArray, first: number, kind: number): boolean {
  const { codes, firstMember, memberKey, memberKind, memberStart, memberEnd } = array;
  const key = memberKey[first]!;
  const place = array.memberOf(0, key) - firstMember[0]!;
  let up = false;
  let down = false;
  let previous = -1;
  let previousValue = 0;
  for (let i = 0; i < array.length; i++) {
    const guess = firstMember[i]! + place;
    const m = guess < firstMember[i + 1]! && memberKey[guess] === key ? guess : array.memberOf(i, key);
    if (m < 0 || memberKind[m] !== kind) return false;
    let order = 0;
    if (kind === NUMBER) {
      const value = numberAt(text, codes, memberStart[m]!, memberEnd[m]!);
      if (previous >= 0) order = value > previousValue ? 1 : value < previousValue ? -1 : 0;
      previousValue = value;
    } else if (previous >= 0) {
      order = compareSpans(
        codes,
        memberStart[m]!,
        memberEnd[m]!,
        memberStart[previous]!,
        memberEnd[previous]!,
      );
    }
    if (order > 0) up = true;
    else if (order < 0) down = true;
    if (up && down) return false;
    previous = m;
  }
  // Only a plain value after the loop (see offerFarValues): a comparison here was thrown away on every call.
  return up || down;
}

/** How span a of the text sorts against span b, as their strings compare: -1, 0 or 1. */
function compareSpans(codes: Uint16Array, a: number, aEnd: number, b: number, bEnd: number): number {
  const length = Math.min(aEnd - a, bEnd - b);
  for (let j = 0; j < length; j++) {
    const d = codes[a + j]! - codes[b + j]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return Math.sign(aEnd - a - (bEnd - b));
}

/** Items right after a jump in a numeric field of a time-ordered series, biggest jump first. */
export function findChangePoints(fields: Map<string, Float64Array>, time: string | undefined): Ranked[] {
  if (time === undefined) return [];
  let best: BestScores | undefined;
  for (const [key, values] of fields) {
    if (key === time) continue;
    best ??= new BestScores(values.length);
    offerJumps(values, best);
  }
  return best?.ranked() ?? [];
}

/** Scores the items right after a step far larger than the typical one (its own function: see offerFarValues). */
function offerJumps(values: Float64Array, best: BestScores): void {
  const steps = new Float64Array(values.length);
  const at = new Int32Array(values.length);
  let count = 0;
  let previous = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (!Number.isNaN(previous)) {
      steps[count] = Math.abs(v - previous);
      at[count++] = i;
    }
    previous = v;
  }
  if (count < 8) return;
  let typical = sampledMedian(steps.subarray(0, count));
  if (!(typical > 0)) {
    let sum = 0;
    for (let k = 0; k < count; k++) sum += steps[k]!;
    typical = sum / count;
  }
  if (!(typical > 0)) return;
  for (let k = 0; k < count; k++) {
    const ratio = steps[k]! / typical;
    if (ratio > CHANGE_FACTOR) best.offer(at[k]!, ratio);
  }
}
