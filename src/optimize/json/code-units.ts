// A text as its UTF-16 code units in a typed array, for the passes that read it character by
// character. Reading a typed array costs the same in every process, while charCodeAt (and most
// string methods) gets ~5x slower once any loaded module subclasses String, as ioredis does: V8
// then drops a fast path for every string in the process.
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';
/** Texts up to this many code units reuse one buffer: a fresh ~1 MB of memory outside the JS heap
 * per request would make V8 run a full collection every few dozen requests. */
const REUSED_UNITS = 1 << 21;
let reused = new Uint16Array(0);

/**
 * The code units of the text, then one 0 past its end (scans stop there without a bounds check).
 * The array is reused: it holds this text until the next call, so use it before scanning another.
 */
export function codeUnitsOf(text: string): Uint16Array {
  const n = text.length;
  let codes: Uint16Array;
  if (n >= REUSED_UNITS) codes = new Uint16Array(n + 1);
  else {
    if (reused.length <= n)
      reused = new Uint16Array(Math.min(REUSED_UNITS, Math.max(n + 1, reused.length * 2)));
    codes = reused.subarray(0, n + 1);
  }
  if (LITTLE_ENDIAN) Buffer.from(codes.buffer, codes.byteOffset, n * 2).write(text, 'utf16le');
  else for (let i = 0; i < n; i++) codes[i] = text.charCodeAt(i);
  codes[n] = 0;
  return codes;
}

/** The string of code units `from` up to `to` of the array. */
export function textOf(codes: Uint16Array, from: number, to: number): string {
  if (LITTLE_ENDIAN) {
    return Buffer.from(codes.buffer, codes.byteOffset + from * 2, (to - from) * 2).toString('utf16le');
  }
  let text = '';
  for (let i = from; i < to; i += 8192)
    text += String.fromCharCode(...codes.subarray(i, Math.min(to, i + 8192)));
  return text;
}
