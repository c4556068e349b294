// Lossless minifying of JSON text: whitespace outside strings goes, every other character stays as
// it is (number spellings, escapes, big integers), with no parse and stringify.
import { textOf } from './code-units.ts';
import { isSpace, stringEnd } from './json-lexemes.ts';

/**
 * The text between `start` and `end` without whitespace outside strings; `codes` are its code
 * units (code-units.ts). The span must not cut a string.
 */
export function minifyJson(text: string, codes: Uint16Array, start = 0, end = text.length): string {
  let out: Uint16Array | undefined;
  let length = 0;
  let run = start;
  for (let i = start; i < end; i++) {
    const c = codes[i]!;
    if (c === 34) {
      i = stringEnd(codes, i);
      if (i < 0) return text.slice(start, end);
    } else if (isSpace(c)) {
      out ??= new Uint16Array(end - start);
      for (let k = run; k < i; k++) out[length++] = codes[k]!;
      let j = i + 1;
      while (j < end && isSpace(codes[j]!)) j++;
      run = j;
      i = j - 1;
    }
  }
  if (out === undefined) return start === 0 && end === text.length ? text : text.slice(start, end);
  for (let k = run; k < end; k++) out[length++] = codes[k]!;
  return textOf(out, 0, length);
}
