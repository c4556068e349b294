// Writes a JSON or SSE answer, honouring chunk pacing, step mode, backpressure and mid-body faults.
import type { Exchange } from './exchange.ts';
import type { WriteFault } from './faults.ts';
import type { HeaderMap } from './limit-headers.ts';

const MALFORMED_FRAME = 'data: {not json\n\n';

export interface Pacing {
  chunkDelayMs: number;
  stepMode: () => boolean;
  /** The dialect's in-band error event, for the 'error-event' fault. */
  errorFrame: string;
}

/** Sends a complete JSON body; a write fault cuts, stalls or garbles it instead. */
export function writeJson(
  ex: Exchange,
  status: number,
  headers: HeaderMap,
  body: string,
  fault: WriteFault | undefined,
): void {
  const { res } = ex;
  if (ex.closed) return;
  ex.record.status = status;
  headers['content-type'] = 'application/json';
  if (fault?.kind === 'slow-first-token') {
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.flushHeaders();
    void ex.sleep(fault.delayMs).then(() => {
      if (!ex.closed) res.end(body);
    });
    return;
  }
  // A JSON body has no terminator to drop and no room for an in-band error event.
  if (
    fault === undefined ||
    fault.kind === 'no-terminator' ||
    fault.kind === 'error-event' ||
    fault.kind === 'truncated-event'
  ) {
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  if (fault.kind === 'malformed-chunk') {
    headers['content-length'] = String(Buffer.byteLength(MALFORMED_FRAME));
    res.writeHead(status, headers);
    res.end(MALFORMED_FRAME);
    return;
  }
  // Promise the whole length, deliver half: the client sees a truncated body.
  const bytes = Buffer.from(body);
  headers['content-length'] = String(bytes.length);
  res.writeHead(status, headers);
  res.write(bytes.subarray(0, bytes.length >> 1));
  if (fault.kind === 'drop-mid-stream') ex.cut(false);
  // stall-mid-stream: leave the socket open; the close of either side ends the exchange.
}

/** Waits, as step mode and the chunk delay require, before every chunk but the first. */
async function pace(ex: Exchange, pacing: Pacing): Promise<void> {
  if (pacing.stepMode()) {
    while (pacing.stepMode() && ex.credits === 0 && !ex.closed) await ex.waitForWake();
    if (pacing.stepMode() && ex.credits > 0) ex.credits--;
  }
  if (pacing.chunkDelayMs > 0 && !ex.closed) await ex.sleep(pacing.chunkDelayMs);
}

/**
 * Streams SSE frames; the last frame is the dialect's terminator (`[DONE]`, `message_stop`, ...).
 * Resolves when the stream ended, was cut, or the client went away.
 */
export async function writeSse(
  ex: Exchange,
  status: number,
  headers: HeaderMap,
  frames: readonly string[],
  pacing: Pacing,
  fault: WriteFault | undefined,
): Promise<void> {
  const { res } = ex;
  if (ex.closed) return;
  ex.record.status = status;
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  headers['cache-control'] = 'no-cache';
  res.writeHead(status, headers);
  const count = fault?.kind === 'no-terminator' ? frames.length - 1 : frames.length;
  const faultAt =
    fault === undefined || fault.kind === 'no-terminator' || fault.kind === 'slow-first-token'
      ? -1
      : (fault.afterChunks ?? 2);
  // The first chunk follows the head at once (one packet); only a fault before it must push the head alone.
  if (faultAt === 0) res.flushHeaders();
  if (fault?.kind === 'slow-first-token') {
    res.flushHeaders();
    await ex.sleep(fault.delayMs);
  }

  const send = async (frame: string): Promise<boolean> => {
    if (ex.chunks > 0) await pace(ex, pacing);
    if (ex.closed) return false;
    const flushed = res.write(frame);
    ex.wroteChunk();
    if (!flushed) await ex.waitForDrain();
    return !ex.closed;
  };

  for (let i = 0; i <= count; i++) {
    if (i === faultAt && fault) {
      if (fault.kind === 'drop-mid-stream') {
        ex.cut(false);
        return;
      }
      if (fault.kind === 'stall-mid-stream') {
        await ex.waitForClose();
        return;
      }
      if (fault.kind === 'error-event') {
        if (await send(pacing.errorFrame)) res.end();
        return;
      }
      if (fault.kind === 'truncated-event') {
        const frame = frames[i] ?? frames.at(-1)!;
        if (await send(frame.slice(0, frame.length >> 1))) res.end();
        return;
      }
      if (!(await send(MALFORMED_FRAME))) return;
    }
    if (i === count) break;
    if (!(await send(frames[i]!))) return;
  }
  res.end();
}
