// Lossy crushing of a big JSON array of similar objects in a tool output: keep a representative
// subset byte for byte (first and last few, every error, outliers, change points, items relevant
// to the request), in their original order, and say in the same JSON what was left out.
import { findErrorItems } from './error-items.ts';
import { type JsonScan, minifyJson, type ScannedArray } from './json-scan.ts';
import { findChangePoints, findOutliers, numericFields, type Ranked, timeField } from './numeric-signals.ts';
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
  const stride = Math.max(1, Math.floor(array.items.length / UNIFORM_SAMPLE));
  const sample = array.items.filter((_, i) => i % stride === 0);
  const keyCounts = new Map<string, number>();
  let objects = 0;
  for (const item of sample) {
    if (!item.members) continue;
    objects++;
    for (const m of item.members) keyCounts.set(m.key, (keyCounts.get(m.key) ?? 0) + 1);
  }
  if (objects < sample.length * UNIFORM_SHARE) return false;
  let alike = 0;
  for (const item of sample) {
    const members = item.members;
    if (!members || members.length === 0) continue;
    let shared = 0;
    for (const m of members) if ((keyCounts.get(m.key) ?? 0) >= objects * UNIFORM_SHARE) shared++;
    if (shared * 2 >= members.length) alike++;
  }
  return alike >= sample.length * UNIFORM_SHARE;
}

function hasMarker(array: ScannedArray): boolean {
  return array.items[array.items.length - 1]?.members?.some((m) => m.key === MARKER_KEY) ?? false;
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
  if (!array || array.items.length < MIN_ARRAY_ITEMS || hasMarker(array) || !isUniform(array))
    return undefined;
  const items = array.items;
  const n = items.length;
  const reason = new Uint8Array(n);
  for (let i = 0; i < EDGE_ITEMS; i++) {
    reason[i] = FIRST_LAST;
    reason[n - 1 - i] = FIRST_LAST;
  }
  const errors = findErrorItems(text, array);
  for (let i = 0; i < n; i++) if (errors[i] && !reason[i]) reason[i] = ERROR;
  let kept = reason.reduce((sum, r) => sum + (r ? 1 : 0), 0);

  const fields = numericFields(text, array);
  const lists: [number, Ranked[]][] = [
    [OUTLIER, findOutliers(fields)],
    [CHANGE, findChangePoints(fields, timeField(text, array))],
    [RELEVANT, rankRelevant(text, array, opts.queryTerms)],
  ];
  // Round-robin over the signals so that none crowds the others out of the cap.
  const cursors = [0, 0, 0];
  for (let progress = true; kept < opts.maxItems && progress; ) {
    progress = false;
    for (let s = 0; s < lists.length && kept < opts.maxItems; s++) {
      const [why, ranked] = lists[s]!;
      while (cursors[s]! < ranked.length) {
        const index = ranked[cursors[s]!++]!.index;
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
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const why = reason[i]!;
    if (!why) continue;
    counts[why]!++;
    parts.push(minifyJson(text, items[i]!.start, items[i]!.end));
  }
  const note = JSON.stringify(describe(dropped, n, counts));
  parts.push(`{"${MARKER_KEY}":${dropped},"_note":${note}}`);
  const crushed = `${minifyJson(text, 0, array.start)}[${parts.join(',')}]${minifyJson(text, array.end)}`;
  return crushed.length < text.length ? { text: crushed, dropped } : undefined;
}
