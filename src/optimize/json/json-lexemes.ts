// The lexical pieces of JSON read over a text's code units (code-units.ts), which end in one 0:
// whitespace, where a string ends, where a number ends. Small, for the engine to inline them.

export function isSpace(c: number): boolean {
  return c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9);
}

/** Index of the quote closing the string that opens at `start`, or -1. */
export function stringEnd(codes: Uint16Array, start: number): number {
  // A plain loop over the first characters: most strings in tool output are short, where a call
  // into indexOf costs more; long ones (snippets, messages) go to indexOf.
  const n = Math.min(codes.length - 1, start + 32);
  let j = start + 1;
  for (; j < n; j++) {
    const c = codes[j]!;
    if (c === 34) return j;
    if (c === 92) j++;
  }
  return farStringEnd(codes, j);
}

/** The first quote at or after `j` that no backslash escapes, or -1. */
function farStringEnd(codes: Uint16Array, j: number): number {
  if (j >= codes.length - 1) return -1;
  j = codes.indexOf(34, j);
  while (j > 0 && codes[j - 1] === 92) {
    let k = j - 1;
    while (codes[k] === 92) k--;
    if ((j - 1 - k) % 2 === 0) break;
    j = codes.indexOf(34, j + 1);
  }
  return j;
}

/** End of the JSON number starting at `i` (RFC 8259 grammar), or -1. */
export function numberEnd(codes: Uint16Array, i: number): number {
  let c = codes[i]!;
  if (c === 45) c = codes[++i]!;
  if (c === 48) c = codes[++i]!;
  else if (c >= 49 && c <= 57) {
    do c = codes[++i]!;
    while (c >= 48 && c <= 57);
  } else return -1;
  if (c === 46) {
    const digits = ++i;
    c = codes[i]!;
    while (c >= 48 && c <= 57) c = codes[++i]!;
    if (i === digits) return -1;
  }
  if (c === 101 || c === 69) {
    c = codes[++i]!;
    if (c === 43 || c === 45) c = codes[++i]!;
    const digits = i;
    while (c >= 48 && c <= 57) c = codes[++i]!;
    if (i === digits) return -1;
  }
  return i;
}
