// Which items of a scanned JSON array report an error or failure: those are what an agent most
// needs, so crushing keeps every one. One case-insensitive regex pass over the array's text finds
// the candidates; only the members the hits fall in are looked at closely.

import { ARRAY, FALSE, NUMBER, OBJECT, type ScannedArray, STRING, TRUE } from './json/scanned-array.ts';
import { numberAt } from './numeric-signals.ts';

const ERROR_WORDS = /error|fail|exception|fatal|panic|timed? ?out|denied|refused|traceback/gi;
const ERROR_WORD = /error|fail|exception|fatal|panic|timed? ?out|denied|refused|traceback/i;
/**
 * Every spelling a hit of ERROR_WORDS can have, as lower-case code units. None ends another, so
 * where a hit ends tells where it starts: the pass uses test, not exec, which would allocate a
 * match array for each of the thousands of hits an "error" key in every item makes.
 */
const SPELLINGS = ['error', 'fail', 'exception', 'fatal', 'panic', 'timeout', 'timedout', 'time out']
  .concat(['timed out', 'denied', 'refused', 'traceback'])
  .map((word) => Array.from(word, (c) => c.charCodeAt(0)));
const STATUS_KEYS = new Set(['status', 'status_code', 'statusCode', 'http_status', 'httpStatus']);
const SUCCESS_KEYS = new Set(['ok', 'success', 'succeeded', 'passed']);
const LEVEL_KEYS = new Set(['level', 'severity', 'lvl', 'log_level', 'loglevel', 'levelname']);
const BAD_LEVELS = new Set(['crit', 'critical', 'emerg', 'emergency', 'alert']);

/** A value under an error-like key reports an error unless it is empty, false, null or a count. */
function reportsError(kind: number, length: number): boolean {
  if (kind === TRUE) return true;
  if (kind === STRING || kind === OBJECT || kind === ARRAY) return length > 2;
  return false;
}

function deepMentionsError(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return ERROR_WORD.test(value);
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => deepMentionsError(v, depth + 1));
  for (const [key, v] of Object.entries(value)) {
    if (ERROR_WORD.test(key) && (v === true || (typeof v === 'string' && v !== '') || isFilled(v)))
      return true;
    if (deepMentionsError(v, depth + 1)) return true;
  }
  return false;
}

function isFilled(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && typeof v === 'object' && Object.keys(v).length > 0;
}

/** A hit at `pos` inside item k: in a key, a string value, or a nested value parsed to look closer. */
function hitMeansError(text: string, array: ScannedArray, k: number, pos: number): boolean {
  const kind = array.itemKind[k]!;
  if (kind !== OBJECT)
    return kind === STRING || nestedMeansError(text, array.itemStart[k]!, array.itemEnd[k]!);
  const to = array.firstMember[k + 1]!;
  let m = array.firstMember[k]!;
  while (m < to && array.memberEnd[m]! <= pos) m++;
  if (m === to) return false;
  const start = array.memberStart[m]!;
  const end = array.memberEnd[m]!;
  const memberKind = array.memberKind[m]!;
  if (pos < start) return reportsError(memberKind, end - start); // the word is in the key
  if (memberKind === STRING) return true;
  if (memberKind === OBJECT || memberKind === ARRAY) return nestedMeansError(text, start, end);
  return false;
}

function nestedMeansError(text: string, start: number, end: number): boolean {
  try {
    return deepMentionsError(JSON.parse(text.slice(start, end)), 0);
  } catch {
    return false;
  }
}

/**
 * Whether a level's raw text can lower-case to one of BAD_LEVELS: their lengths and first letters
 * (no other character lower-cases to a, c or e), to spare a copy for every "INFO" and "DEBUG".
 */
function mayBeBadLevel(codes: Uint16Array, start: number, end: number): boolean {
  const length = end - start;
  const first = codes[start]! | 0x20;
  return (
    (length === 4 || length === 5 || length === 8 || length === 9) &&
    (first === 97 || first === 99 || first === 101)
  );
}

const STATUS = 1;
const SUCCESS = 2;
const LEVEL = 3;

/** What each key of the array can tell: a status, a success flag, a log level, or nothing. */
function keyRoles(keys: string[]): Uint8Array {
  const roles = new Uint8Array(keys.length);
  keys.forEach((key, id) => {
    if (STATUS_KEYS.has(key)) roles[id] = STATUS;
    else if (SUCCESS_KEYS.has(key)) roles[id] = SUCCESS;
    else if (LEVEL_KEYS.has(key)) roles[id] = LEVEL;
  });
  return roles;
}

/** Status >= 500, ok/success false, a critical log level: errors that use no error word. */
function structuralError(text: string, array: ScannedArray, k: number, roles: Uint8Array): boolean {
  const to = array.firstMember[k + 1]!;
  for (let m = array.firstMember[k]!; m < to; m++) {
    const role = roles[array.memberKey[m]!];
    if (!role) continue;
    const kind = array.memberKind[m];
    const start = array.memberStart[m]!;
    const end = array.memberEnd[m]!;
    if (role === STATUS && kind === NUMBER) {
      const status = numberAt(text, array.codes, start, end);
      if (status >= 500 && status < 600) return true;
    } else if (role === SUCCESS && kind === FALSE) {
      return true;
    } else if (role === LEVEL && kind === STRING && mayBeBadLevel(array.codes, start + 1, end - 1)) {
      if (BAD_LEVELS.has(text.slice(start + 1, end - 1).toLowerCase())) return true;
    }
  }
  return false;
}

/** Where the hit of ERROR_WORDS that ends at `end` starts (the pattern's case-insensitive ASCII). */
function hitStart(codes: Uint16Array, end: number): number {
  for (const spelling of SPELLINGS) {
    const start = end - spelling.length;
    let j = 0;
    for (; start >= 0 && j < spelling.length; j++) {
      const c = codes[start + j]!;
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== spelling[j]) break;
    }
    if (start >= 0 && j === spelling.length) return start;
  }
  return -1;
}

/** One flag per item of the array: 1 where it reports an error. */
export function findErrorItems(text: string, array: ScannedArray): Uint8Array {
  const n = array.length;
  const flags = new Uint8Array(n);
  const roles = keyRoles(array.keys);
  if (roles.some((role) => role !== 0))
    for (let k = 0; k < n; k++) if (structuralError(text, array, k, roles)) flags[k] = 1;
  const words = ERROR_WORDS; // global: its lastIndex is the cursor, set here before each use
  words.lastIndex = array.start;
  let j = 0;
  while (words.test(text)) {
    const pos = hitStart(array.codes, words.lastIndex);
    if (pos >= array.end) break;
    while (j < n && array.itemEnd[j]! <= pos) j++;
    if (j >= n) break;
    if (pos < array.itemStart[j]!) continue;
    if (flags[j] || hitMeansError(text, array, j, pos)) {
      flags[j] = 1;
      words.lastIndex = array.itemEnd[j]!; // the item is kept: its other hits need no look
    }
  }
  return flags;
}
