// Which items of a scanned JSON array report an error or failure: those are what an agent most
// needs, so crushing keeps every one. One case-insensitive regex pass over the array's text finds
// the candidates; only the members the hits fall in are looked at closely.
import type { ScannedArray, ScannedItem, ScannedMember } from './json-scan.ts';

const ERROR_WORDS = /error|fail|exception|fatal|panic|timed? ?out|denied|refused|traceback/gi;
const ERROR_WORD = /error|fail|exception|fatal|panic|timed? ?out|denied|refused|traceback/i;
const STATUS_KEYS = new Set(['status', 'status_code', 'statusCode', 'http_status', 'httpStatus']);
const SUCCESS_KEYS = new Set(['ok', 'success', 'succeeded', 'passed']);
const LEVEL_KEYS = new Set(['level', 'severity', 'lvl', 'log_level', 'loglevel', 'levelname']);
const BAD_LEVELS = new Set(['crit', 'critical', 'emerg', 'emergency', 'alert']);

/** A value under an error-like key reports an error unless it is empty, false, null or a count. */
function reportsError(m: ScannedMember): boolean {
  if (m.kind === 'true') return true;
  if (m.kind === 'string' || m.kind === 'object' || m.kind === 'array') return m.end - m.start > 2;
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

/** A hit at `pos` inside the item: in a key, a string value, or a nested value parsed to look closer. */
function hitMeansError(text: string, item: ScannedItem, pos: number): boolean {
  if (!item.members) return item.kind === 'string' || nestedMeansError(text, item.start, item.end);
  const m = item.members.find((member) => member.end > pos);
  if (!m) return false;
  if (pos < m.start) return reportsError(m); // the word is in the key
  if (m.kind === 'string') return true;
  if (m.kind === 'object' || m.kind === 'array') return nestedMeansError(text, m.start, m.end);
  return false;
}

function nestedMeansError(text: string, start: number, end: number): boolean {
  try {
    return deepMentionsError(JSON.parse(text.slice(start, end)), 0);
  } catch {
    return false;
  }
}

/** Status >= 500, ok/success false, a critical log level: errors that use no error word. */
function structuralError(text: string, members: ScannedMember[]): boolean {
  for (const m of members) {
    if (m.kind === 'number' && STATUS_KEYS.has(m.key)) {
      const status = Number(text.slice(m.start, m.end));
      if (status >= 500 && status < 600) return true;
    } else if (m.kind === 'false' && SUCCESS_KEYS.has(m.key)) {
      return true;
    } else if (m.kind === 'string' && LEVEL_KEYS.has(m.key)) {
      if (BAD_LEVELS.has(text.slice(m.start + 1, m.end - 1).toLowerCase())) return true;
    }
  }
  return false;
}

/** One flag per item of the array: 1 where it reports an error. */
export function findErrorItems(text: string, array: ScannedArray): Uint8Array {
  const items = array.items;
  const flags = new Uint8Array(items.length);
  for (let k = 0; k < items.length; k++) {
    const members = items[k]!.members;
    if (members && structuralError(text, members)) flags[k] = 1;
  }
  const words = new RegExp(ERROR_WORDS.source, 'gi');
  words.lastIndex = array.start;
  let j = 0;
  for (let hit = words.exec(text); hit !== null && hit.index < array.end; hit = words.exec(text)) {
    const pos = hit.index;
    while (j < items.length && items[j]!.end <= pos) j++;
    const item = items[j];
    if (!item) break;
    if (pos < item.start) continue;
    if (flags[j] || hitMeansError(text, item, pos)) {
      flags[j] = 1;
      words.lastIndex = item.end; // the item is kept: its other hits need no look
    }
  }
  return flags;
}
