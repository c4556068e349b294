// The request path under odd but real conditions: early answers, 1xx, JSON streams, stalled
// clients, mixed wire formats, Expect: 100-continue, odd Host headers.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { mockConfig, startGateway } from '../support/gateway.ts';
import { json, send } from '../support/http.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';
import { startScriptedUpstream } from '../support/scripted-upstream.ts';

const restConfig = (url: string, extra: Record<string, unknown> = {}) => ({
  upstreams: { rest: { url, dialect: 'generic', ...extra } },
  routes: { hosts: [{ match: 'rest.example.net', upstream: 'rest' }] },
});

describe('edge cases', () => {
  test('an upstream that answers before reading an upload does not leave the connection stuck', async () => {
    const up = await startScriptedUpstream((req, res) => {
      if (req.url === '/upload')
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"no"}');
      else {
        req.resume();
        req.on('end', () => res.writeHead(200).end('ok'));
      }
    });
    const gw = await startGateway(restConfig(up.url));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(gw.url);
    const call = (method: string, path: string, body?: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const r = httpRequest(
          { host: url.hostname, port: url.port, method, path, agent, headers: { host: 'rest.example.net' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        r.on('error', reject);
        r.end(body);
      });
    try {
      assert.equal(await call('PUT', '/upload', Buffer.alloc(4 * 1024 * 1024, 'u')), 401);
      assert.equal(await call('GET', '/next'), 200, 'the next request on the same agent is answered');
    } finally {
      agent.destroy();
      await gw.close();
      await up.close();
    }
  });

  test('a 103 Early Hints before the answer does not break it', async () => {
    const up = await startScriptedUpstream((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const gw = await startGateway(restConfig(up.url));
    try {
      const res = await send(gw.url, { path: '/x', headers: { host: 'rest.example.net' } });
      assert.equal(res.status, 200);
      assert.deepEqual(json(res.body), { ok: true });
    } finally {
      await gw.close();
      await up.close();
    }
  });

  test('an ndjson stream on an API path is passed on line by line, not held whole', async () => {
    let sendNext: () => void = () => {};
    const up = await startScriptedUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"n":1}\n');
      sendNext = () => res.end('{"n":2}\n');
    });
    const gw = await startGateway(mockConfig(up.url));
    try {
      const res = await fetch(`${gw.url}/v1/models/x:stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      assert.equal(first, '{"n":1}\n', 'the first line came before the upstream sent the second');
      sendNext();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read())
        rest += new TextDecoder().decode(r.value);
      assert.equal(rest, '{"n":2}\n');
    } finally {
      await gw.close();
      await up.close();
    }
  });

  test('/v1/messages served by an OpenAI-compatible upstream is judged by its own wire format', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway({
      upstreams: { local: { url: mock.url, dialect: 'openai' } },
      routes: { models: [{ match: 'claude-*', upstream: 'local' }] },
    });
    try {
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-x',
          max_tokens: 20,
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      const text = await res.text();
      assert.ok(text.includes('event: message_stop'));
      assert.ok(!text.includes('event: error'), 'a complete stream gets no error appended');
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a client that stops reading is cut off after the idle timeout, and so is the upstream', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway(
      mockConfig(mock.url, { upstreams: { openai: { url: mock.url, idle_timeout: '300ms' } } }),
    );
    const url = new URL(gw.url);
    try {
      const before = mock.received.length;
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', 'x-mock-chunks': '200000' },
      });
      req.end(JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
      res.pause(); // and never read again
      await mock.waitForRequests(before + 1);
      await mock.waitForClose(mock.received.at(-1)!.id);
      req.destroy();
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('Expect: 100-continue gets no go for a body the gateway refuses from the head', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway(mockConfig(mock.url, { server: { max_body: '1kb' } }));
    const url = new URL(gw.url);
    const expect = (headers: Record<string, string>) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const r = httpRequest({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { expect: '100-continue', ...headers },
        });
        r.on('continue', () => {
          continued = true;
          r.end('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}');
        });
        r.on('response', (res) => {
          res.resume();
          r.destroy();
          resolve({ status: res.statusCode ?? 0, continued });
        });
        r.on('error', reject);
        r.flushHeaders();
      });
    try {
      const big = await expect({ 'content-type': 'application/json', 'content-length': '5000' });
      assert.deepEqual(big, { status: 413, continued: false });
      const foreign = await expect({
        'content-type': 'application/json',
        'content-length': '60',
        host: 'elsewhere.example.org',
      });
      assert.deepEqual(foreign, { status: 403, continued: false });
      const fine = await expect({ 'content-type': 'application/json', 'content-length': '62' });
      assert.deepEqual(fine, { status: 200, continued: true });
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a Host header that is not a host name is refused, never matched', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway({
      upstreams: { rest: { url: mock.url, dialect: 'generic' } },
      routes: { hosts: [{ match: '*.example.com', upstream: 'rest' }] },
    });
    try {
      for (const host of ['evil.com .example.com', '[evil.example.com', 'evil.com%2f.example.com']) {
        const res = await send(gw.url, { path: '/x', headers: { host } });
        assert.equal(res.status, 403, host);
      }
      assert.equal(mock.received.length, 0);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('timeouts name the limit that ran out', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway(
      mockConfig(mock.url, { upstreams: { openai: { url: mock.url, idle_timeout: '250ms' } } }),
    );
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-fault': 'stall-mid-stream' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.match(await res.text(), /silent mid-answer for 250 ms/);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
