// Plain REST answers: an echo of what arrived (proves pass-through and streamed uploads) and a small SSE feed.
import type { ReceivedRequest } from './types.ts';

/** Headers that carry credentials: echoed as present, never by value (tests read `received` instead). */
const CREDENTIALS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'proxy-authorization',
  'cookie',
]);

export function echoJson(record: ReceivedRequest): string {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.headers))
    headers[name] = CREDENTIALS.has(name) ? '[redacted]' : value;
  return JSON.stringify({ method: record.method, path: record.path, headers, bodyBytes: record.bodyBytes });
}

/** `GET .../stream`: one `data: {"index","text"}` event per piece, then `data: [DONE]`. */
export function restStreamFrames(pieces: readonly string[]): string[] {
  const frames = pieces.map((text, index) => `data: ${JSON.stringify({ index, text })}\n\n`);
  frames.push('data: [DONE]\n\n');
  return frames;
}
