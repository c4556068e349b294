// Numeric signals in a scanned array of similar objects: outliers (robust z-score from the median
// and the median absolute deviation, which a few wild values cannot drag) and change points in a
// series ordered by time (a step far larger than the typical step between neighbours).
import type { ScannedArray, ScannedMember } from './json-scan.ts';
import { sampledMedian } from './median.ts';

/** An item worth keeping and how strongly (bigger first). */
export interface Ranked {
  index: number;
  score: number;
}

const OUTLIER_Z = 3.5;
const CHANGE_FACTOR = 6;
/** A field counts when at least this share of the items has it as a number. */
const FIELD_SHARE = 0.5;
const TIME_KEY = /time|date|(^|_)ts$|_at$|^t$|^when$/i;

/** The number between `start` and `end`; small integers without a copy of the text. */
export function numberAt(text: string, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number(text.slice(start, end));
    value = value * 10 + c;
  }
  return value;
}

/** Values of each numeric top-level field, NaN where an item lacks it. */
export function numericFields(text: string, array: ScannedArray): Map<string, Float64Array> {
  const n = array.items.length;
  const fields = new Map<string, Float64Array>();
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const members = array.items[i]!.members;
    if (!members) continue;
    for (const m of members) {
      if (m.kind !== 'number') continue;
      let values = fields.get(m.key);
      if (!values) {
        values = new Float64Array(n).fill(Number.NaN);
        fields.set(m.key, values);
      }
      values[i] = numberAt(text, m.start, m.end);
      counts.set(m.key, (counts.get(m.key) ?? 0) + 1);
    }
  }
  for (const [key, count] of counts) if (count < n * FIELD_SHARE) fields.delete(key);
  return fields;
}

/** The typical spread around the median: MAD, or the mean absolute deviation when most values tie. */
function spread(values: Float64Array, center: number): number {
  const mad = sampledMedian(values, (v) => Math.abs(v - center)) / 0.6745;
  if (mad > 0) return mad;
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += Math.abs(v - center);
    count++;
  }
  return (sum / count) * 1.2533;
}

/** Items whose value in some numeric field is far from the rest, most extreme first. */
export function findOutliers(fields: Map<string, Float64Array>): Ranked[] {
  const best = new Map<number, number>();
  for (const values of fields.values()) {
    const center = sampledMedian(values);
    if (Number.isNaN(center)) continue;
    const scale = spread(values, center);
    if (!(scale > 0)) continue;
    for (let i = 0; i < values.length; i++) {
      const z = Math.abs(values[i]! - center) / scale;
      if (z > OUTLIER_Z && z > (best.get(i) ?? 0)) best.set(i, z);
    }
  }
  return rank(best);
}

function rank(scores: Map<number, number>): Ranked[] {
  return [...scores].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score);
}

/** The field the items are ordered by, if one looks like a time and is sorted either way. */
export function timeField(text: string, array: ScannedArray): string | undefined {
  const first = array.items[0]?.members;
  if (!first) return undefined;
  for (const candidate of first) {
    if (!TIME_KEY.test(candidate.key) || (candidate.kind !== 'string' && candidate.kind !== 'number'))
      continue;
    if (isOrderedBy(text, array, candidate.key, candidate.kind)) return candidate.key;
  }
  return undefined;
}

function orderValue(text: string, m: ScannedMember): string | number {
  return m.kind === 'number' ? numberAt(text, m.start, m.end) : text.slice(m.start, m.end);
}

/** The member with the key, looked for first where the first item has it (items repeat their order). */
function memberOf(
  members: ScannedMember[] | undefined,
  key: string,
  place: number,
): ScannedMember | undefined {
  const guess = members?.[place];
  return guess?.key === key ? guess : members?.find((m) => m.key === key);
}

function isOrderedBy(text: string, array: ScannedArray, key: string, kind: string): boolean {
  const place = array.items[0]?.members?.findIndex((m) => m.key === key) ?? -1;
  let up = 0;
  let down = 0;
  let previous: string | number | undefined;
  for (const item of array.items) {
    const m = memberOf(item.members, key, place);
    if (!m || m.kind !== kind) return false;
    const value = orderValue(text, m);
    if (previous !== undefined) {
      if (value > previous) up++;
      else if (value < previous) down++;
    }
    previous = value;
  }
  return (up === 0) !== (down === 0);
}

/** Items right after a jump in a numeric field of a time-ordered series, biggest jump first. */
export function findChangePoints(fields: Map<string, Float64Array>, time: string | undefined): Ranked[] {
  if (time === undefined) return [];
  const best = new Map<number, number>();
  for (const [key, values] of fields) {
    if (key === time) continue;
    const steps: number[] = [];
    const at: number[] = [];
    let previous = Number.NaN;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      if (!Number.isNaN(previous)) {
        steps.push(Math.abs(v - previous));
        at.push(i);
      }
      previous = v;
    }
    if (steps.length < 8) continue;
    let typical = sampledMedian(steps);
    if (!(typical > 0)) typical = steps.reduce((a, b) => a + b, 0) / steps.length;
    if (!(typical > 0)) continue;
    for (let k = 0; k < steps.length; k++) {
      const ratio = steps[k]! / typical;
      const i = at[k]!;
      if (ratio > CHANGE_FACTOR && ratio > (best.get(i) ?? 0)) best.set(i, ratio);
    }
  }
  return rank(best);
}
