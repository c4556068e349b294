// Whether a text is one well-formed JSON value (RFC 8259), decided in one pass without building it,
// and which watched keys it holds with a value of the watched kind (an object, a string). Every event
// of every stream goes through here once: it replaces JSON.parse (which would allocate the whole
// object) and the substring searches the stream observers would otherwise make per event.
//
// The text may be latin1 (one char per byte of UTF-8): bytes over 0x7f are valid only inside
// strings, as with the decoded text.

import { skipSpace } from './json-peek.ts';

/** A key to report: its bit in the result is set when the key is followed by a value opening with `opens`. */
export interface WatchedKey {
  readonly name: string;
  /** Char code the value must begin with: `{` (an object, not null) or `"` (a string). */
  readonly opens: number;
}

export const OBJECT_VALUE = 123;
export const STRING_VALUE = 34;

/** The result for a text that is not JSON. */
export const NOT_JSON = -1;

const NONE: readonly WatchedKey[] = [];
const IN_OBJECT = 1;
const IN_ARRAY = 2;
/** Containers open at once; deeper texts are rare enough to leave to JSON.parse. */
const MAX_DEPTH = 256;
const stack = new Uint8Array(MAX_DEPTH);

// What may come next.
const VALUE = 0; // a value
const VALUE_OR_CLOSE = 1; // right after `[`
const KEY = 2; // after `,` in an object
const KEY_OR_CLOSE = 3; // right after `{`
const COLON = 4;
const AFTER = 5; // after a value: `,`, a closing bracket, or the end

/** Any control character: JSON allows tab, LF and CR only between tokens, and stream data has none. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\x00-\x1f]/g;

/**
 * `text[from, to)` checked: NOT_JSON, or the bits (1 << index) of the `watch` keys found anywhere in
 * it with a value of their kind.
 */
export function scanJson(
  text: string,
  from: number,
  to: number,
  watch: readonly WatchedKey[] = NONE,
): number {
  CONTROL.lastIndex = from;
  if (CONTROL.test(text) && CONTROL.lastIndex <= to) return parsesWhole(text, from, to, watch);
  let found = 0;
  /** The watched key just read (its bit), until its value starts. */
  let key = 0;
  let slash = -1;
  let depth = 0;
  let expect = VALUE;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (expect === AFTER) {
      if (depth === 0) return NOT_JSON; // something after the value
      const open = stack[depth - 1];
      if (c === 44 /* , */) expect = open === IN_OBJECT ? KEY : VALUE;
      else if ((c === 125 /* } */ && open === IN_OBJECT) || (c === 93 /* ] */ && open === IN_ARRAY)) depth--;
      else return NOT_JSON;
      i++;
    } else if (expect === KEY || expect === KEY_OR_CLOSE) {
      if (c === 34) {
        const end = endOfString(text, i, to, slash);
        if (end < 0) return NOT_JSON;
        slash = lastSlash;
        for (let w = 0; w < watch.length; w++) {
          const name = watch[w]!.name;
          if (end - i - 2 === name.length && text.startsWith(name, i + 1)) key = 1 << w;
        }
        i = end;
        expect = COLON;
      } else if (c === 125 && expect === KEY_OR_CLOSE) {
        depth--;
        expect = AFTER;
        i++;
      } else return NOT_JSON;
    } else if (expect === COLON) {
      if (c !== 58 /* : */) return NOT_JSON;
      expect = VALUE;
      i++;
    } else {
      if (key !== 0) {
        if (c === watch[31 - Math.clz32(key)]!.opens) found |= key;
        key = 0;
      }
      if (c === 34) {
        i = endOfString(text, i, to, slash);
        if (i < 0) return NOT_JSON;
        slash = lastSlash;
        expect = AFTER;
      } else if (c === 123 || c === 91 /* [ */) {
        if (depth === MAX_DEPTH) return parsesWhole(text, from, to, watch);
        stack[depth++] = c === 123 ? IN_OBJECT : IN_ARRAY;
        expect = c === 123 ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
        i++;
      } else if (c === 93 && expect === VALUE_OR_CLOSE) {
        depth--;
        expect = AFTER;
        i++;
      } else {
        i = endOfScalar(text, i, to, c);
        if (i < 0) return NOT_JSON;
        expect = AFTER;
      }
    }
  }
  return expect === AFTER && depth === 0 ? found : NOT_JSON;
}

export function isJson(text: string, from = 0, to = text.length): boolean {
  return scanJson(text, from, to) !== NOT_JSON;
}

/**
 * Texts with control characters (tabs or newlines between tokens, several data lines joined, or
 * broken ones) and very deep ones go to the parser; the watched keys are then found in its value.
 */
function parsesWhole(text: string, from: number, to: number, watch: readonly WatchedKey[]): number {
  let value: unknown;
  try {
    value = JSON.parse(text.slice(from, to));
  } catch {
    return NOT_JSON;
  }
  return watch.length === 0 ? 0 : keysIn(value, watch, 0);
}

function keysIn(value: unknown, watch: readonly WatchedKey[], depth: number): number {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return 0;
  let found = 0;
  if (Array.isArray(value)) {
    for (const item of value) found |= keysIn(item, watch, depth + 1);
    return found;
  }
  for (const [k, v] of Object.entries(value)) {
    for (let w = 0; w < watch.length; w++) {
      if (watch[w]!.name !== k) continue;
      const kind =
        watch[w]!.opens === OBJECT_VALUE ? typeof v === 'object' && v !== null : typeof v === 'string';
      if (kind) found |= 1 << w;
    }
    found |= keysIn(v, watch, depth + 1);
  }
  return found;
}

/** Where endOfString last looked for a backslash (so it is looked for once per stretch of text). */
let lastSlash = -1;

/**
 * Index after the string that starts at `i` (a `"`), or NOT_JSON. The closing quote and any escapes
 * are found with indexOf, so the text in between is not walked char by char. `slash` is the next
 * backslash at or after where the previous search began (-1: not looked for yet).
 */
function endOfString(text: string, i: number, to: number, slash: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1 || quote >= to) return NOT_JSON;
    if (slash < from) slash = nextSlash(text, from);
    // Escapes before the quote: each is checked, and an escaped quote does not end the string.
    while (slash < quote) {
      const e = text.charCodeAt(slash + 1);
      if (e === 117 /* u */) {
        for (let k = slash + 2; k < slash + 6; k++) if (!isHex(text.charCodeAt(k))) return NOT_JSON;
        from = slash + 6;
      } else if (
        e === 34 ||
        e === 92 ||
        e === 47 /* / */ ||
        e === 98 /* b */ ||
        e === 102 /* f */ ||
        e === 110 /* n */ ||
        e === 114 /* r */ ||
        e === 116 /* t */
      )
        from = slash + 2;
      else return NOT_JSON;
      slash = nextSlash(text, from);
    }
    if (from > quote) continue; // that quote was escaped: look for the next one
    lastSlash = slash;
    return quote + 1;
  }
}

/** The next backslash from `from`; past any end when there is none (so it is looked for once). */
function nextSlash(text: string, from: number): number {
  const at = text.indexOf('\\', from);
  return at === -1 ? Number.POSITIVE_INFINITY : at;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** The char code at `k`, or -1 at or past `to`. */
function charAt(text: string, k: number, to: number): number {
  return k < to ? text.charCodeAt(k) : -1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Index after the number or literal at `i`, or NOT_JSON. */
function endOfScalar(text: string, i: number, to: number, c: number): number {
  if (c === 116) return i + 4 <= to && text.startsWith('true', i) ? i + 4 : NOT_JSON;
  if (c === 102) return i + 5 <= to && text.startsWith('false', i) ? i + 5 : NOT_JSON;
  if (c === 110) return i + 4 <= to && text.startsWith('null', i) ? i + 4 : NOT_JSON;
  // -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?  -- nothing at or past `to` is read.
  if (c === 45 /* - */) c = charAt(text, ++i, to);
  if (c === 48 /* 0 */) c = charAt(text, ++i, to);
  else if (isDigit(c)) while (isDigit(c)) c = charAt(text, ++i, to);
  else return NOT_JSON;
  if (c === 46 /* . */) {
    c = charAt(text, ++i, to);
    if (!isDigit(c)) return NOT_JSON;
    while (isDigit(c)) c = charAt(text, ++i, to);
  }
  if (c === 101 || c === 69 /* e E */) {
    c = charAt(text, ++i, to);
    if (c === 43 || c === 45) c = charAt(text, ++i, to);
    if (!isDigit(c)) return NOT_JSON;
    while (isDigit(c)) c = charAt(text, ++i, to);
  }
  return i;
}

/**
 * How many times `name` is a key of the top-level object of `text` (which must be valid JSON).
 * JSON.parse keeps the last of duplicate keys while an upstream may read the first: a body with
 * two `"model"` keys would run one model and be routed and counted as another.
 */
export function topLevelKeyCount(text: string, name: string): number {
  const needle = `"${name}"`;
  // Most bodies name it once: only a second occurrence anywhere is worth a walk.
  const first = text.indexOf(needle);
  if (first === -1 || text.indexOf(needle, first + 1) === -1) return first === -1 ? 0 : 1;
  let count = 0;
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const end = endOfString(text, i, text.length, -1);
      if (end < 0) return count;
      if (depth === 1 && end - i === needle.length && text.startsWith(needle, i)) {
        if (text.charCodeAt(skipSpace(text, end)) === 58 /* : */) count++;
      }
      i = end;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
    i++;
  }
  return count;
}
