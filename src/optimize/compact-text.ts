// Lossless compaction of tool text that is not JSON: trailing spaces and long runs of blank lines
// carry nothing the model reads. A pure function of the text, so an earlier turn compacts to the
// same bytes on every request and the provider's prefix cache stays warm.

/**
 * Cheap test first: most tool text has neither, and then no copy is made. It anchors on line
 * breaks, which the engine finds fast, where a pattern opening with a space stops at every word.
 */
const WORTH_A_LOOK = /\n(?:(?<=[ \t]\r?\n)|(?:\r?\n){3})/;
const TRAILING_SPACES = /[ \t]+(?=\r?\n|$)/g;
const BLANK_RUNS = /(?:\r?\n){4,}/g;

/** The text with trailing spaces removed and runs of 3+ blank lines collapsed to one blank line. */
export function compactPlainText(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  if (last !== 32 && last !== 9 && !WORTH_A_LOOK.test(text)) return text;
  return text
    .replace(TRAILING_SPACES, '')
    .replace(BLANK_RUNS, (run) => (run.startsWith('\r') ? '\r\n\r\n' : '\n\n'));
}
