// Bench baseline: the least a Node proxy can do. node:http in, undici out, bytes piped both ways,
// no parsing, no routing, no logging. The gateway is measured against this in the same run.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM_URL ?? '';
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 30_000 });
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'te',
  'upgrade',
  'proxy-connection',
]);

const server = createServer((req, res) => {
  const headers: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!HOP.has(req.rawHeaders[i]!.toLowerCase())) headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool
    .request({ path: req.url ?? '/', method: req.method as 'POST', headers, body: hasBody ? req : null })
    .then(({ statusCode, headers: upstreamHeaders, body }) => {
      const out: string[] = [];
      for (const [k, v] of Object.entries(upstreamHeaders)) {
        if (v === undefined || HOP.has(k)) continue;
        if (Array.isArray(v)) for (const x of v) out.push(k, x);
        else out.push(k, v);
      }
      res.writeHead(statusCode, out);
      body.pipe(res);
    })
    .catch(() => {
      res.writeHead(502).end();
    });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
