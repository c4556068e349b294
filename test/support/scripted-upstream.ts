// A one-off upstream for edge cases the mock does not play (early answers, 103s, ndjson): a plain
// node:http server running the test's own handler.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ScriptedUpstream {
  readonly url: string;
  close(): Promise<void>;
}

export async function startScriptedUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<ScriptedUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
