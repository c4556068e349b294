// One validating pass over a tool output's JSON text that finds the spans of the items of its big
// arrays (the root array, or arrays directly under the root object) and the top-level members of
// each object item, without building values: JSON.parse costs ~5 ms on 400 KB here and rounds
// integers above 2^53, while kept items must go out byte for byte.

/** The kind of a JSON value, from its first character. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'true' | 'false' | 'null';

/** A member of an object item: its key and the span of its value in the text. */
export interface ScannedMember {
  key: string;
  kind: JsonKind;
  start: number;
  end: number;
}

/** An element of a scanned array; `members` for object elements only. */
export interface ScannedItem {
  start: number;
  end: number;
  kind: JsonKind;
  members: ScannedMember[] | undefined;
}

/** The root array (key undefined) or an array member of the root object; `end` is past its `]`. */
export interface ScannedArray {
  key: string | undefined;
  start: number;
  end: number;
  items: ScannedItem[];
}

export interface JsonScan {
  arrays: ScannedArray[];
  /** Whitespace outside strings: minifying would shorten the text. */
  spaced: boolean;
}

const VALUE = 0;
const VALUE_OR_CLOSE = 1;
const KEY_OR_CLOSE = 2;
const KEY = 3;
const COLON = 4;
const AFTER_VALUE = 5;
const DONE = 6;

const OPEN_ARRAY = 91;
const OPEN_OBJECT = 123;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Index of the quote closing the string that opens at `start`, or -1. */
export function stringEnd(text: string, start: number): number {
  // A plain loop over the first characters: most strings in tool output are short, where a call
  // into indexOf costs more; long ones (snippets, messages) go to indexOf.
  const n = Math.min(text.length, start + 32);
  let j = start + 1;
  for (; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return j;
    if (c === 92) j++;
  }
  if (j >= text.length) return -1;
  j = text.indexOf('"', j);
  while (j > 0 && text.charCodeAt(j - 1) === 92) {
    let k = j - 1;
    while (text.charCodeAt(k) === 92) k--;
    if ((j - 1 - k) % 2 === 0) break;
    j = text.indexOf('"', j + 1);
  }
  return j;
}

function digitsEnd(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/** End of the JSON number starting at `i` (RFC 8259 grammar), or -1. */
function numberEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 45) i++;
  const c = text.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) i = digitsEnd(text, i + 1);
  else return -1;
  if (text.charCodeAt(i) === 46) {
    const e = digitsEnd(text, i + 1);
    if (e === i + 1) return -1;
    i = e;
  }
  const x = text.charCodeAt(i);
  if (x === 101 || x === 69) {
    i++;
    const s = text.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    const e = digitsEnd(text, i);
    if (e === i) return -1;
    i = e;
  }
  return i;
}

/**
 * The key between `start` and `end`, as the same string as the previous item's key at this place
 * when they match: similar items repeat their keys in order, and one string per key saves
 * thousands of small copies and makes later map lookups on it cheap.
 */
function keyAt(text: string, start: number, end: number, array: ScannedArray, place: number): string {
  const previous = array.items[array.items.length - 1]?.members?.[place]?.key;
  if (previous !== undefined && previous.length === end - start && text.startsWith(previous, start)) {
    return previous;
  }
  return text.slice(start, end);
}

/** The open containers, one entry each (parallel arrays keep the hot loop free of allocations). */
interface Frames {
  kinds: number[];
  starts: number[];
  tracked: (ScannedArray | undefined)[];
  members: (ScannedMember[] | undefined)[];
  keys: string[];
}

/** Records a finished value where it belongs: an item of a tracked array, or a member of an item. */
function record(frames: Frames, kind: JsonKind, start: number, end: number, own?: ScannedMember[]): void {
  const d = frames.kinds.length - 1;
  if (d < 0) return;
  const array = frames.tracked[d];
  if (array) array.items.push({ start, end, kind, members: own });
  else frames.members[d]?.push({ key: frames.keys[d]!, kind, start, end });
}

function open(frames: Frames, arrays: ScannedArray[], c: number, i: number): void {
  const d = frames.kinds.length;
  const underRootObject = d === 1 && frames.kinds[0] === OPEN_OBJECT;
  let array: ScannedArray | undefined;
  if (c === OPEN_ARRAY && (d === 0 || underRootObject)) {
    array = { key: underRootObject ? frames.keys[0] : undefined, start: i, end: -1, items: [] };
    arrays.push(array);
  }
  frames.kinds.push(c);
  frames.starts.push(i);
  frames.tracked.push(array);
  frames.members.push(c === OPEN_OBJECT && d > 0 && frames.tracked[d - 1] ? [] : undefined);
  frames.keys.push('');
}

/** Closes the open container with `c` at `i`; false when the bracket does not match. */
function close(frames: Frames, c: number, i: number): boolean {
  const top = frames.kinds[frames.kinds.length - 1];
  if (!((c === 93 && top === OPEN_ARRAY) || (c === 125 && top === OPEN_OBJECT))) return false;
  frames.kinds.pop();
  const start = frames.starts.pop()!;
  const array = frames.tracked.pop();
  const own = frames.members.pop();
  frames.keys.pop();
  if (array) array.end = i + 1;
  record(frames, c === 93 ? 'array' : 'object', start, i + 1, own);
  return true;
}

/** The scan of a JSON text, or undefined when it is not one JSON value. */
export function scanJson(text: string): JsonScan | undefined {
  const n = text.length;
  const arrays: ScannedArray[] = [];
  const frames: Frames = { kinds: [], starts: [], tracked: [], members: [], keys: [] };
  const kinds = frames.kinds;
  let state = VALUE;
  let spaced = false;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (isSpace(c)) {
      spaced = true;
      do c = text.charCodeAt(++i);
      while (isSpace(c));
      if (i >= n) break;
    }
    if (state === AFTER_VALUE) {
      if (c === 44) {
        state = kinds[kinds.length - 1] === OPEN_ARRAY ? VALUE : KEY;
        i++;
        continue;
      }
      if (!close(frames, c, i)) return undefined;
      state = kinds.length === 0 ? DONE : AFTER_VALUE;
      i++;
    } else if (state === VALUE || state === VALUE_OR_CLOSE) {
      if (c === 34) {
        const e = stringEnd(text, i);
        if (e < 0) return undefined;
        record(frames, 'string', i, e + 1);
        i = e + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        const e = numberEnd(text, i);
        if (e < 0) return undefined;
        record(frames, 'number', i, e);
        i = e;
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        open(frames, arrays, c, i);
        state = c === OPEN_ARRAY ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
        i++;
        continue;
      } else if (c === 93 && state === VALUE_OR_CLOSE) {
        close(frames, c, i);
        i++;
      } else {
        const kind = c === 116 ? 'true' : c === 102 ? 'false' : c === 110 ? 'null' : undefined;
        if (kind === undefined || !text.startsWith(kind, i)) return undefined;
        record(frames, kind, i, i + kind.length);
        i += kind.length;
      }
      state = kinds.length === 0 ? DONE : AFTER_VALUE;
    } else if (state === KEY_OR_CLOSE || state === KEY) {
      if (c === 34) {
        const e = stringEnd(text, i);
        if (e < 0) return undefined;
        const d = kinds.length - 1;
        const own = frames.members[d];
        if (own) frames.keys[d] = keyAt(text, i + 1, e, frames.tracked[d - 1]!, own.length);
        else if (d === 0 && kinds[0] === OPEN_OBJECT) frames.keys[d] = text.slice(i + 1, e);
        state = COLON;
        i = e + 1;
      } else {
        if (c !== 125 || state === KEY) return undefined;
        close(frames, c, i);
        state = kinds.length === 0 ? DONE : AFTER_VALUE;
        i++;
      }
    } else if (state === COLON) {
      if (c !== 58) return undefined;
      state = VALUE;
      i++;
    } else {
      return undefined; // text after the value
    }
  }
  return state === DONE ? { arrays, spaced } : undefined;
}

/** The text between `start` and `end` without whitespace outside strings (the span must not cut a string). */
export function minifyJson(text: string, start = 0, end = text.length): string {
  let out = '';
  let run = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(text, i);
      if (i < 0) return text.slice(start, end);
    } else if (isSpace(c)) {
      if (i > run) out += text.slice(run, i);
      let j = i + 1;
      while (j < end && isSpace(text.charCodeAt(j))) j++;
      run = j;
      i = j - 1;
    }
  }
  if (run < end) out += text.slice(run, end);
  return out;
}
