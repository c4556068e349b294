// Plain REST answers: an echo of what arrived (proves pass-through and streamed uploads) and a small SSE feed.
import type { ReceivedRequest } from './types.ts';

export function echoJson(record: ReceivedRequest): string {
  return JSON.stringify({
    method: record.method,
    path: record.path,
    headers: record.headers,
    bodyBytes: record.bodyBytes,
  });
}

/** `GET .../stream`: one `data: {"index","text"}` event per piece, then `data: [DONE]`. */
export function restStreamFrames(pieces: readonly string[]): string[] {
  const frames = pieces.map((text, index) => `data: ${JSON.stringify({ index, text })}\n\n`);
  frames.push('data: [DONE]\n\n');
  return frames;
}
