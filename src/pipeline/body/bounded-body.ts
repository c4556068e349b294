// A request body streamed through unread: cut off with 413 once it passes the size bound (a
// Content-Length over it was refused before), and each chunk marked as come for the idle guard.
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { BodySilence } from './idle-guard.ts';

export function boundedBody(req: IncomingMessage, maxBytes: number, silence: BodySilence): Transform {
  let seen = 0;
  const counter: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      guard.touch();
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(
          new GatewayError(
            'payload_too_large',
            `The request body is larger than the gateway's limit of ${maxBytes} bytes.`,
            {
              details: { maxBytes },
            },
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  // Silent past the bound: the upload fails (408), which ends the upstream call it feeds.
  const guard = silence.watch((err) => counter.destroy(err));
  counter.once('close', () => guard.stop());
  req.once('end', () => guard.stop());
  req.on('error', (err) => counter.destroy(err));
  return req.pipe(counter);
}
