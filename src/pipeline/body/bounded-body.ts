// A request body streamed through unread, cut off with 413 once it passes the size bound. Only used
// when no Content-Length announced the size (which is checked before anything is sent).
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '../../errors/gateway-error.ts';

export function boundedBody(req: IncomingMessage, maxBytes: number): Transform {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
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
  req.on('error', (err) => counter.destroy(err));
  return req.pipe(counter);
}
