// Reads what a request carries: the caller's key, and the body as it streams in (recorded, maybe parsed).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ReceivedRequest } from './types.ts';

export const EMPTY_BODY = Buffer.alloc(0);

/** The caller's key: `x-api-key` (Anthropic) or `Authorization: Bearer` (everyone else). */
export function keyOf(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  const auth = headers.authorization;
  if (auth && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  return undefined;
}

export interface BodyReading {
  /** Bytes kept in `record.body`; `record.bodyBytes` counts them all. */
  maxKeep: number;
  /** Parse as JSON whatever the content type (the LLM endpoints); otherwise only JSON content types. */
  parseJson: boolean;
  /** Called on every arriving piece, so a test can watch an upload progress. */
  onProgress: () => void;
}

/** Streams the body into `record` (never buffering past `maxKeep`), then calls `onEnd`. */
export function readBody(
  req: IncomingMessage,
  record: ReceivedRequest,
  how: BodyReading,
  onEnd: () => void,
): void {
  const parts: Buffer[] = [];
  let kept = 0;
  req.on('data', (chunk: Buffer) => {
    record.bodyBytes += chunk.length;
    if (kept < how.maxKeep) {
      const part = chunk.length <= how.maxKeep - kept ? chunk : chunk.subarray(0, how.maxKeep - kept);
      parts.push(part);
      kept += part.length;
    }
    how.onProgress();
  });
  req.on('end', () => {
    record.body = parts.length === 0 ? EMPTY_BODY : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (record.body.length > 0 && (how.parseJson || record.headers['content-type']?.includes('json'))) {
      try {
        record.json = JSON.parse(record.body.toString('utf8'));
      } catch {
        // Left undefined: LLM endpoints answer 400 like the real APIs, the echo does not care.
      }
    }
    onEnd();
  });
  // A client abort mid-upload surfaces here; the response's close records it.
  req.on('error', () => {});
}
