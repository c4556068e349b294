// Stream events travel as latin1 text (one char per byte, see exchange/stream-tap.ts): JSON is
// decoded from and encoded back to UTF-8 bytes at this edge, so text in any script survives.
import { tryParseJson } from '../../dialects/wire/json-peek.ts';

export function parseEventJson(latin1Data: string): unknown {
  return tryParseJson(Buffer.from(latin1Data, 'latin1').toString('utf8'));
}

/** One SSE event (`event:` line when named) with `body` as its data, as latin1 text. */
export function eventFrame(name: string | undefined, body: unknown): string {
  const head = name === undefined ? '' : `event: ${name}\n`;
  return Buffer.from(`${head}data: ${JSON.stringify(body)}\n\n`, 'utf8').toString('latin1');
}

/** Providers count roughly four characters to a token; the partial part's usage was never reported. */
export function estimatedTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
