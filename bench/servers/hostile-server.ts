// Bench process: an upstream that misbehaves on purpose, chosen by the request's model: an error
// body that never ends, a stream event that never ends, a storm of informational answers. Each
// stops when the gateway hangs up.
import { createServer, type ServerResponse } from 'node:http';

function endless(res: ServerResponse, chunk: string): void {
  let open = true;
  res.on('close', () => {
    open = false;
  });
  const pump = () => {
    while (open) if (!res.write(chunk)) return void res.once('drain', pump);
  };
  pump();
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => {
    if (body.length < 10_000) body += c.toString();
  });
  req.on('end', () => {
    const model = /"model"\s*:\s*"([^"]*)"/.exec(body)?.[1] ?? '';
    if (model === 'evil-error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      endless(res, `{"error":{"message":"${'x'.repeat(16_000)}`);
    } else if (model === 'evil-event') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"');
      endless(res, 'y'.repeat(64 * 1024));
    } else {
      const timer = setInterval(() => res.writeProcessing(), 20);
      res.on('close', () => clearInterval(timer));
    }
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
