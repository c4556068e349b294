// Lossy crushing of a big JSON array of similar objects in a tool output: keep a representative
// subset byte for byte (first and last few, every error, outliers, change points, items relevant
// to the request), in their original order, and say in the same JSON what was left out.
import { findErrorItems } from './error-items.ts';
import { minifyJson } from './json/json-minify.ts';
import type { JsonScan } from './json/json-scan.ts';
import { OBJECT, type ScannedArray } from './json/scanned-array.ts';
import { findChangePoints, findOutliers, numericFields, timeField } from './numeric-signals.ts';
import { inOrder, type Ranking } from './ranking.ts';
import { rankRelevant } from './relevance.ts';

export interface CrushOptions {
  /** Cap on items kept from the array; items with errors are kept past it. */
  maxItems: number;
  /** Words of the latest user request. */
  queryTerms: string[];
}

export interface Crushed {
  text: string;
  dropped: number;
}

/** Fewer items than this are left alone: there is little to leave out. */
export const MIN_ARRAY_ITEMS = 12;
const EDGE_ITEMS = 3;
/** Share of the items that must be objects, and of an item's keys that most items share. */
const UNIFORM_SHARE = 0.8;
export const MARKER_KEY = '_omitted';

/** The array worth crushing: the root array, or the root object's biggest member when it is one. */
function targetArray(text: string, scan: JsonScan): ScannedArray | undefined {
  let best: ScannedArray | undefined;
  for (const array of scan.arrays) if (!best || array.end - array.start > best.end - best.start) best = array;
  if (!best || (best.end - best.start) * 2 < text.length) return undefined;
  return best;
}

/** Items looked at to judge uniformity: an even sample says as much as all of them. */
const UNIFORM_SAMPLE = 256;

/** Mostly objects that share most of their keys: items of one kind, where a subset stands for all. */
function isUniform(array: ScannedArray): boolean {
  const n = array.length;
  const stride = Math.max(1, Math.floor(n / UNIFORM_SAMPLE));
  const { itemKind, firstMember, memberKey } = array;
  const keyCounts = new Int32Array(array.keys.length);
  let sampled = 0;
  let objects = 0;
  for (let k = 0; k < n; k += stride) {
    sampled++;
    if (itemKind[k] !== OBJECT) continue;
    objects++;
    for (let m = firstMember[k]!; m < firstMember[k + 1]!; m++) keyCounts[memberKey[m]!]!++;
  }
  if (objects < sampled * UNIFORM_SHARE) return false;
  let alike = 0;
  for (let k = 0; k < n; k += stride) {
    const from = firstMember[k]!;
    const to = firstMember[k + 1]!;
    if (itemKind[k] !== OBJECT || to === from) continue;
    let shared = 0;
    for (let m = from; m < to; m++) if (keyCounts[memberKey[m]!]! >= objects * UNIFORM_SHARE) shared++;
    if (shared * 2 >= to - from) alike++;
  }
  return alike >= sampled * UNIFORM_SHARE;
}

function hasMarker(array: ScannedArray): boolean {
  return array.length > 0 && array.memberOf(array.length - 1, array.idOf(MARKER_KEY)) >= 0;
}

/** Why each kept item is kept, in the order the note reports them. */
const FIRST_LAST = 1;
const ERROR = 2;
const OUTLIER = 3;
const CHANGE = 4;
const RELEVANT = 5;

function describe(dropped: number, total: number, counts: number[]): string {
  const parts = ['kept first/last'];
  if (counts[ERROR]) parts.push(`${counts[ERROR]} with errors`);
  if (counts[OUTLIER]) parts.push(`${counts[OUTLIER]} outliers`);
  if (counts[CHANGE]) parts.push(`${counts[CHANGE]} change points`);
  if (counts[RELEVANT]) parts.push(`${counts[RELEVANT]} relevant to the request`);
  return `${dropped} of ${total} similar items left out; ${parts.join(', ')}`;
}

/** The crushed text, or undefined when the output is not a big uniform array or keeping all is as short. */
export function crushJson(text: string, scan: JsonScan, opts: CrushOptions): Crushed | undefined {
  const array = targetArray(text, scan);
  if (!array || array.length < MIN_ARRAY_ITEMS || hasMarker(array) || !isUniform(array)) return undefined;
  const n = array.length;
  const reason = new Uint8Array(n);
  for (let i = 0; i < EDGE_ITEMS; i++) {
    reason[i] = FIRST_LAST;
    reason[n - 1 - i] = FIRST_LAST;
  }
  const errors = findErrorItems(text, array);
  for (let i = 0; i < n; i++) if (errors[i] && !reason[i]) reason[i] = ERROR;
  let kept = reason.reduce((sum, r) => sum + (r ? 1 : 0), 0);

  const fields = numericFields(text, array);
  const signals: [number, Ranking][] = [
    [OUTLIER, inOrder(findOutliers(fields))],
    [CHANGE, inOrder(findChangePoints(fields, timeField(text, array)))],
    [RELEVANT, rankRelevant(text, array, opts.queryTerms)],
  ];
  // Round-robin over the signals so that none crowds the others out of the cap.
  for (let progress = true; kept < opts.maxItems && progress; ) {
    progress = false;
    for (let s = 0; s < signals.length && kept < opts.maxItems; s++) {
      const [why, ranking] = signals[s]!;
      for (let index = ranking.next(); index >= 0; index = ranking.next()) {
        if (reason[index]) continue;
        reason[index] = why;
        kept++;
        progress = true;
        break;
      }
    }
  }
  const dropped = n - kept;
  if (dropped <= 0) return undefined;

  const counts = [0, 0, 0, 0, 0, 0];
  const { codes } = scan;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const why = reason[i]!;
    if (!why) continue;
    counts[why]!++;
    parts.push(minifyJson(text, codes, array.itemStart[i]!, array.itemEnd[i]!));
  }
  const note = JSON.stringify(describe(dropped, n, counts));
  parts.push(`{"${MARKER_KEY}":${dropped},"_note":${note}}`);
  const crushed = `${minifyJson(text, codes, 0, array.start)}[${parts.join(',')}]${minifyJson(text, codes, array.end)}`;
  return crushed.length < text.length ? { text: crushed, dropped } : undefined;
}
