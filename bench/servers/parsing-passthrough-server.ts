// Bench baseline: a lean proxy that does the least an LLM gateway must: node:http in, undici out,
// the request's JSON read whole and parsed (to route by model), a JSON answer read whole and
// parsed (for its usage), streams piped through. No limits, no logging, no metrics.
import { createServer, type IncomingMessage } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM_URL ?? '';
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 30_000 });
const SKIP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

const server = createServer(async (req, res) => {
  try {
    const json = await readJson(req);
    const body = JSON.stringify(json);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: req.headers.authorization ?? '',
      'content-length': String(Buffer.byteLength(body)),
    };
    const answer = await pool.request({ path: req.url ?? '/', method: 'POST', headers, body });
    const out: string[] = [];
    for (const [k, v] of Object.entries(answer.headers)) {
      if (v === undefined || SKIP.has(k)) continue;
      if (Array.isArray(v)) for (const x of v) out.push(k, x);
      else out.push(k, v);
    }
    if (json.stream === true) {
      res.writeHead(answer.statusCode, out);
      answer.body.pipe(res);
      return;
    }
    const text = await answer.body.text();
    const usage = (JSON.parse(text) as { usage?: { total_tokens?: number } }).usage;
    if (usage?.total_tokens !== undefined) out.push('x-total-tokens', String(usage.total_tokens));
    res.writeHead(answer.statusCode, [...out, 'content-length', String(Buffer.byteLength(text))]);
    res.end(text);
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
