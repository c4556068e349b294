// One validating pass over a tool output's JSON text that finds the spans of the items of its big
// arrays (the root array, or arrays directly under the root object) and the top-level members of
// each object item, without building values: JSON.parse costs ~5 ms on 400 KB here and rounds
// integers above 2^53, while kept items must go out byte for byte. It reads the text's code units
// (code-units.ts) and records into columns every scan reuses (scan-columns.ts).
import { codeUnitsOf } from './code-units.ts';
import { isSpace, numberEnd, stringEnd } from './json-lexemes.ts';
import { scanColumns } from './scan-columns.ts';
import { ARRAY, FALSE, NULL, NUMBER, OBJECT, ScannedArray, STRING, TRUE } from './scanned-array.ts';

export interface JsonScan {
  /** The root array, or the arrays directly under the root object, in order (with items only). */
  arrays: ScannedArray[];
  /** Whitespace outside strings: minifying would shorten the text. */
  spaced: boolean;
  /** The text's code units, for the passes after the scan. */
  codes: Uint16Array;
}

const OPEN_ARRAY = 91;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/** The kind of a value not known before its closing bracket: the container closing at `i`. */
const CLOSING = 0;

/**
 * The scan of a JSON text, or undefined when it is not one JSON value. Without `withItems` it only
 * validates (and finds whether the text is spaced): what a text that will not be crushed needs.
 * The scan holds until the next one: its code units and columns are in buffers every scan reuses.
 */
export function scanJson(text: string, withItems = true): JsonScan | undefined {
  const n = text.length;
  const codes = codeUnitsOf(text);
  if (withItems) scanColumns.reset();
  /** The closing bracket and the start of each open container, innermost last. */
  const closers: number[] = [];
  const starts: number[] = [];
  const arrays: ScannedArray[] = [];
  /** The tracked array open now, and how many containers are open around its items. */
  let array: ScannedArray | undefined;
  let itemDepth = -1;
  /** The container just inside the items' level is an object item of `array`. */
  let inItem = false;
  let memberKey = -1;
  let keyStart = 0;
  let keyEnd = 0;
  let expectKey = false;
  let spaced = false;
  let i = 0;
  for (;;) {
    let c = codes[i]!;
    if (isSpace(c)) {
      spaced = true;
      do c = codes[++i]!;
      while (isSpace(c));
    }
    if (expectKey) {
      if (c !== 34) return undefined;
      keyStart = i + 1;
      const ofMember = inItem && closers.length === itemDepth + 1;
      const repeated = ofMember ? array!.repeatedKey(codes, keyStart) : -1;
      if (repeated >= 0) {
        memberKey = repeated;
        keyEnd = keyStart + array!.lengthOf(repeated);
      } else {
        keyEnd = stringEnd(codes, i);
        if (keyEnd < 0) return undefined;
        if (ofMember) memberKey = array!.keyId(text, keyStart, keyEnd);
      }
      i = keyEnd + 1;
      c = codes[i]!;
      if (isSpace(c)) {
        spaced = true;
        do c = codes[++i]!;
        while (isSpace(c));
      }
      if (c !== 58) return undefined;
      c = codes[++i]!;
      if (isSpace(c)) {
        spaced = true;
        do c = codes[++i]!;
        while (isSpace(c));
      }
      expectKey = false;
    }
    let start = i;
    let kind: number;
    if (c === 34) {
      i = stringEnd(codes, i) + 1;
      if (i === 0) return undefined;
      kind = STRING;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      i = numberEnd(codes, i);
      if (i < 0) return undefined;
      kind = NUMBER;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      const depth = closers.length;
      if (depth === 0) itemDepth = c === OPEN_ARRAY ? 1 : 2;
      if (withItems) {
        if (c === OPEN_ARRAY && (depth === 0 || (depth === 1 && itemDepth === 2))) {
          array = new ScannedArray(depth === 0 ? undefined : text.slice(keyStart, keyEnd), i, codes);
          arrays.push(array);
        } else if (c === OPEN_OBJECT && array !== undefined && depth === itemDepth) {
          inItem = true;
        }
      }
      const closer = c + 2; // ] and } follow [ and { by two
      closers.push(closer);
      starts.push(i);
      c = codes[++i]!;
      if (isSpace(c)) {
        spaced = true;
        do c = codes[++i]!;
        while (isSpace(c));
      }
      if (c !== closer) {
        expectKey = closer === CLOSE_OBJECT;
        continue;
      }
      kind = CLOSING;
    } else if (c === 116 && codes[i + 1] === 114 && codes[i + 2] === 117 && codes[i + 3] === 101) {
      i += 4;
      kind = TRUE;
    } else if (
      c === 102 &&
      codes[i + 1] === 97 &&
      codes[i + 2] === 108 &&
      codes[i + 3] === 115 &&
      codes[i + 4] === 101
    ) {
      i += 5;
      kind = FALSE;
    } else if (c === 110 && codes[i + 1] === 117 && codes[i + 2] === 108 && codes[i + 3] === 108) {
      i += 4;
      kind = NULL;
    } else {
      return undefined;
    }
    // After a value: record it, then close containers up to a comma or the end of the text.
    for (;;) {
      if (kind === CLOSING) {
        closers.pop();
        start = starts.pop()!;
        kind = c === CLOSE_OBJECT ? OBJECT : ARRAY;
        i++;
      }
      const depth = closers.length;
      if (array !== undefined) {
        if (depth === itemDepth) {
          array.addItem(kind, start, i);
          inItem = false;
        } else if (inItem && depth === itemDepth + 1) {
          array.addMember(memberKey, kind, start, i);
        } else if (depth < itemDepth) {
          array.close(i);
          array = undefined;
        }
      }
      if (depth === 0) {
        for (let j = i; j < n; j++) if (!isSpace(codes[j]!)) return undefined; // text after the value
        return { arrays, spaced: spaced || i < n, codes };
      }
      c = codes[i]!;
      if (isSpace(c)) {
        spaced = true;
        do c = codes[++i]!;
        while (isSpace(c));
      }
      if (c === 44) {
        i++;
        expectKey = closers[depth - 1] === CLOSE_OBJECT;
        break;
      }
      if (c !== closers[depth - 1]) return undefined;
      kind = CLOSING;
    }
  }
}
