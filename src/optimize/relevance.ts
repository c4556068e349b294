// Items relevant to what the user last asked: Okapi BM25 of each item's text against the words of
// the latest user message. Own code rather than the okapibm25 package: that one compiles a RegExp
// from every keyword for every document (a word like "c++" throws, "log" matches inside "catalog")
// and rescans each document per keyword, where one pass over the array's text does here.
import type { ScannedArray } from './json-scan.ts';
import type { Ranked } from './numeric-signals.ts';

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

/** Items that mention the query terms, best BM25 score first; none when there are no terms. */
export function rankRelevant(text: string, array: ScannedArray, terms: string[]): Ranked[] {
  const items = array.items;
  const n = items.length;
  if (terms.length === 0 || n === 0) return [];
  const termIndex = new Map(terms.map((t, k) => [t, k]));
  const width = terms.length;
  const tf = new Uint16Array(n * width);
  const df = new Uint32Array(width);
  const words = new RegExp(`\\b(?:${terms.join('|')})\\b`, 'gi');
  words.lastIndex = array.start;
  let j = 0;
  for (let hit = words.exec(text); hit !== null && hit.index < array.end; hit = words.exec(text)) {
    while (j < n && items[j]!.end <= hit.index) j++;
    if (j >= n) break;
    if (hit.index < items[j]!.start) continue;
    const k = termIndex.get(hit[0]) ?? termIndex.get(hit[0].toLowerCase());
    if (k === undefined) continue;
    const at = j * width + k;
    if (tf[at] === 0) df[k]!++;
    if (tf[at]! < 65535) tf[at]!++;
  }
  // Item length in characters stands in for its word count: the ratio to the mean is what matters.
  const meanLength = (array.end - array.start) / n;
  const idf = Array.from(df, (d) =>
    d === 0 || d > n * MAX_DOC_SHARE ? 0 : Math.log((n - d + 0.5) / (d + 0.5) + 1),
  );
  if (!idf.some((w) => w > 0)) return [];
  const ranked: Ranked[] = [];
  for (let index = 0; index < n; index++) {
    const item = items[index]!;
    let norm = 0;
    let score = 0;
    for (let k = 0; k < width; k++) {
      const f = tf[index * width + k]!;
      if (f === 0 || idf[k] === 0) continue;
      norm ||= K1 * (1 - B + (B * (item.end - item.start)) / meanLength);
      score += (idf[k]! * f * (K1 + 1)) / (f + norm);
    }
    if (score > 0) ranked.push({ index, score });
  }
  return ranked.sort((a, b) => b.score - a.score || a.index - b.index);
}
