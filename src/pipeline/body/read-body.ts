// Reads a request body whole, refusing at once anything over the size bound.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { BodySilence } from './idle-guard.ts';

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    'payload_too_large',
    `The request body is larger than the gateway's limit of ${maxBytes} bytes.`,
    {
      details: { maxBytes },
    },
  );
}

/** Refuses a declared Content-Length over the bound before a byte is read. */
export function checkDeclaredLength(req: IncomingMessage, maxBytes: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
}

/**
 * Tells a client waiting on `Expect: 100-continue` to send its body, once the gateway has decided
 * to take it (never before a refusal it could have made from the head alone).
 */
export function continueBody(ctx: { expectContinue: boolean; res: ServerResponse }): void {
  if (!ctx.expectContinue) return;
  ctx.expectContinue = false;
  ctx.res.writeContinue();
}

/**
 * Takes a request's body whole, as a stage that needs it does: refused unread when it says it is
 * too large, the client told to send it (`100-continue`), then read within the bounds.
 */
export function receiveBody(
  ctx: { req: IncomingMessage; expectContinue: boolean; res: ServerResponse },
  maxBytes: number,
  silence: BodySilence,
): Promise<Buffer> {
  checkDeclaredLength(ctx.req, maxBytes);
  continueBody(ctx);
  return readBody(ctx.req, maxBytes, silence);
}

/** Reads the body whole; a client silent for `idle` is answered 408 (see idle-guard.ts). */
export function readBody(req: IncomingMessage, maxBytes: number, silence?: BodySilence): Promise<Buffer> {
  checkDeclaredLength(req, maxBytes);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const guard = silence
      ? silence.watch((err) => {
          cleanup();
          req.pause();
          reject(err);
        })
      : undefined;
    const cleanup = () => {
      guard?.stop();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      guard?.touch();
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      if (err instanceof GatewayError) reject(err);
      else reject(new GatewayError('invalid_request', 'The request body could not be read.', { cause: err }));
    };
    const onAborted = () => onError(new Error('client aborted the upload'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
