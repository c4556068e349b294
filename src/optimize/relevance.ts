// Items relevant to what the user last asked: Okapi BM25 of each item's text against the words of
// the latest user message. Own code rather than the okapibm25 package: that one compiles a RegExp
// from every keyword for every document (a word like "c++" throws, "log" matches inside "catalog")
// and rescans each document per keyword, where one pass over the array's text does here.

import type { ScannedArray } from './json/scanned-array.ts';
import { BestFirst, inOrder, type Ranking } from './ranking.ts';

const K1 = 1.2;
const B = 0.75;
const MAX_TERMS = 24;
/** A word in more than this share of the items tells them apart too little to count. */
const MAX_DOC_SHARE = 0.5;
const STOPWORDS = new Set(
  (
    'a an and any are as at be by can could do does for from get give has have how i if in is it its ' +
    'list me my of on or our please show that the their them then there these this those to us was ' +
    'we were what when where which who why will with would you your all find tell look see check about ' +
    'into just only also some than more most not no yes out up'
  ).split(' '),
);

/** The distinct words of a user message worth searching for (ASCII letters and digits, 2+ chars). */
export function queryTermsOf(text: string): string[] {
  const terms = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z0-9]{2,}/g) ?? []) {
    if (!STOPWORDS.has(word)) terms.add(word);
    if (terms.size >= MAX_TERMS) break;
  }
  return [...terms];
}

/** Items that mention the query terms, best BM25 score first (ties by index); none without terms. */
export function rankRelevant(text: string, array: ScannedArray, terms: string[]): Ranking {
  const n = array.length;
  if (terms.length === 0 || n === 0) return inOrder([]);
  const tf = new Uint16Array(n * terms.length);
  const df = countTerms(text, array, terms, tf);
  const idf = Array.from(df, (d) =>
    d === 0 || d > n * MAX_DOC_SHARE ? 0 : Math.log((n - d + 0.5) / (d + 0.5) + 1),
  );
  if (!idf.some((w) => w > 0)) return inOrder([]);
  const scores = new Float64Array(n);
  const scored = new Int32Array(n);
  return new BestFirst(scored, scoreItems(array, tf, idf, scores, scored), scores);
}

// Each pass over all items is a function of its own that ends with its loop: the engine compiles
// the long loop of a function called once per request while the loop runs, and code after the
// loop in that version had never run, so it was thrown away again on every call.

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Which term (its code units: lower-case ASCII letters and digits) the word at `start..end` is. */
function termAt(
  codes: Uint16Array,
  start: number,
  end: number,
  terms: number[][],
  byLength: number[],
): number {
  const k = byLength[end - start] ?? -1;
  if (k >= 0) return k; // the only term of this length
  for (let t = 0; t < terms.length; t++) {
    const term = terms[t]!;
    if (term.length !== end - start) continue;
    let j = 0;
    while (j < term.length && (codes[start + j]! | 0x20) === term[j]) j++;
    if (j === term.length) return t;
  }
  return -1;
}

/**
 * Fills tf (item by term) with the whole-word hits of each term; returns each term's item count.
 * With test, not exec: a search result's URLs can mention a term thousands of times, and a match
 * array for each was most of what a request allocated. A hit is a whole word, so it starts where
 * the run of word characters ending at lastIndex does.
 */
function countTerms(text: string, array: ScannedArray, terms: string[], tf: Uint16Array): Uint32Array {
  const { codes, itemStart, itemEnd } = array;
  const n = array.length;
  const width = terms.length;
  const termCodes = terms.map((term) => Array.from(term, (c) => c.charCodeAt(0)));
  const byLength: number[] = [];
  terms.forEach((t, k) => {
    byLength[t.length] = byLength[t.length] === undefined ? k : -1;
  });
  const df = new Uint32Array(width);
  const words = new RegExp(`\\b(?:${terms.join('|')})\\b`, 'gi');
  words.lastIndex = array.start;
  let j = 0;
  while (words.test(text)) {
    const end = words.lastIndex;
    let start = end;
    while (start > 0 && isWordCode(codes[start - 1]!)) start--;
    if (start >= array.end) break;
    while (j < n && itemEnd[j]! <= start) j++;
    if (j >= n) break;
    if (start < itemStart[j]!) continue;
    const k = termAt(codes, start, end, termCodes, byLength);
    if (k < 0) continue;
    const at = j * width + k;
    if (tf[at] === 0) df[k]!++;
    if (tf[at]! < 65535) tf[at]!++;
  }
  return df;
}

/** Each item's BM25 score into `scores`, and the items scoring above 0 into `scored`; their count. */
function scoreItems(
  array: ScannedArray,
  tf: Uint16Array,
  idf: number[],
  scores: Float64Array,
  scored: Int32Array,
): number {
  const { itemStart, itemEnd } = array;
  const n = array.length;
  const width = idf.length;
  // Item length in characters stands in for its word count: the ratio to the mean is what matters.
  const meanLength = (array.end - array.start) / n;
  let count = 0;
  for (let index = 0; index < n; index++) {
    const length = itemEnd[index]! - itemStart[index]!;
    let norm = 0;
    let score = 0;
    for (let k = 0; k < width; k++) {
      const f = tf[index * width + k]!;
      if (f === 0 || idf[k] === 0) continue;
      norm ||= K1 * (1 - B + (B * length) / meanLength);
      score += (idf[k]! * f * (K1 + 1)) / (f + norm);
    }
    if (score > 0) {
      scores[index] = score;
      scored[count++] = index;
    }
  }
  return count;
}
