// Cheap checks on JSON text before paying for JSON.parse: most stream events carry no usage.

/** True when `text` has `"name":` followed by an object (not null), whatever the spacing. */
export function hasObjectField(text: string, name: string): boolean {
  const needle = `"${name}"`;
  let at = text.indexOf(needle);
  while (at !== -1) {
    let i = skipSpace(text, at + needle.length);
    if (text.charCodeAt(i) === 58 /* : */) {
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === 123 /* { */) return true;
    }
    at = text.indexOf(needle, at + needle.length);
  }
  return false;
}

/** Index of the first non-whitespace character (JSON whitespace: space, tab, LF, CR) from `i`. */
export function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function numberField(obj: Record<string, unknown>, name: string): number | undefined {
  const v = obj[name];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * A hostile body can hold many `"usage":{` that never close: only so many are tried, and each
 * object is looked for within so many bytes, so the work stays bounded whatever the body's size.
 * Real usage objects are a few hundred bytes and come last.
 */
const MAX_TRIES = 16;
const MAX_OBJECT_BYTES = 64 * 1024;

/**
 * The last `"usage": {...}` object in a JSON text, parsed alone. Answers put usage at the end, and
 * parsing only that slice keeps large bodies (embeddings, long completions) off the parser.
 */
export function lastObjectField(text: string, name: string): Record<string, unknown> | undefined {
  const needle = `"${name}"`;
  let at = text.lastIndexOf(needle);
  for (let tries = 0; at !== -1 && tries < MAX_TRIES; tries++) {
    let i = skipSpace(text, at + needle.length);
    if (text.charCodeAt(i) === 58 /* : */) {
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === 123 /* { */) {
        const end = matchingBrace(text, i);
        if (end !== -1) {
          const parsed = tryParseJson(text.slice(i, end + 1));
          return isRecord(parsed) ? parsed : undefined;
        }
      }
    }
    at = at === 0 ? -1 : text.lastIndexOf(needle, at - 1);
  }
  return undefined;
}

/** Index of the `}` closing the object opened at `start`, skipping strings; -1 if unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  const end = Math.min(text.length, start + MAX_OBJECT_BYTES);
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return i;
  }
  return -1;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN = 123;
const CLOSE = 125;

/**
 * `lastObjectField` on raw bytes: finds and decodes only the object's own bytes, so a large answer
 * is never turned into a string. UTF-8 continuation bytes never equal these ASCII codes.
 */
export function lastObjectFieldIn(buf: Buffer, name: string): Record<string, unknown> | undefined {
  const needle = needleOf(name);
  let at = buf.lastIndexOf(needle);
  for (let tries = 0; at !== -1 && tries < MAX_TRIES; tries++) {
    let i = skipSpaceIn(buf, at + needle.length);
    if (buf[i] === 58 /* : */) {
      i = skipSpaceIn(buf, i + 1);
      if (buf[i] === OPEN) {
        const end = matchingBraceIn(buf, i);
        if (end !== -1) {
          const parsed = tryParseJson(buf.toString('utf8', i, end + 1));
          return isRecord(parsed) ? parsed : undefined;
        }
      }
    }
    at = at === 0 ? -1 : buf.lastIndexOf(needle, at - 1);
  }
  return undefined;
}

const needles = new Map<string, Buffer>();

/** The quoted name as bytes, made once per name rather than once per search. */
function needleOf(name: string): Buffer {
  let needle = needles.get(name);
  if (!needle) {
    needle = Buffer.from(`"${name}"`);
    needles.set(name, needle);
  }
  return needle;
}

function skipSpaceIn(buf: Buffer, i: number): number {
  for (;;) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

function matchingBraceIn(buf: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  const end = Math.min(buf.length, start + MAX_OBJECT_BYTES);
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN) depth++;
    else if (c === CLOSE && --depth === 0) return i;
  }
  return -1;
}
