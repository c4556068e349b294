// An upstream that misbehaves on purpose cannot grow the gateway's memory or hold its requests:
// error bodies that never end are judged on their start, an event that never ends breaks the
// stream, a storm of informational answers counts toward the timeout. Each bound is asserted on
// what holds the data (bytes taken, connections), not on time.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../support/scripted-upstream.ts';

const KEY = 'sk-hostile-upstream-key-000000000000001';
const CHAT = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: false,
  messages: [{ role: 'user', content: 'hi' }],
});

/** Writes `chunk` until the gateway hangs up; resolves with the bytes written. */
function endless(res: ServerResponse, chunk: string): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    let open = true;
    res.on('close', () => {
      open = false;
      resolve(written);
    });
    const pump = () => {
      while (open) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

function chat(gw: TestGateway, body: string) {
  return send(gw.url, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

async function gatewayFor(upstream: ScriptedUpstream, extra: Record<string, unknown> = {}) {
  return startGateway({
    upstreams: { openai: { url: upstream.url, keys: [KEY], retries: { max: 0 }, ...extra } },
  });
}

describe('a hostile upstream', () => {
  test('an error body that never ends is judged on its first 64 KB and the rest is cut', async () => {
    let taken: Promise<number> | undefined;
    const upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      taken = endless(res, `{"error":{"message":"${'x'.repeat(16_000)}`);
    });
    const gw = await gatewayFor(upstream);
    try {
      const res = await chat(gw, CHAT);
      assert.equal(res.status, 500, "the upstream's answer, as it began");
      assert.ok(res.body.length <= 64 * 1024, `${res.body.length} bytes passed on`);
      const written = await taken!;
      assert.ok(written < 64 * 1024 * 1024, `the upstream was cut off after ${written} bytes`);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('a stream event that never ends breaks the stream instead of growing without bound', async () => {
    let taken: Promise<number> | undefined;
    const upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"');
      taken = endless(res, 'y'.repeat(64 * 1024));
    });
    const gw = await gatewayFor(upstream);
    try {
      const res = await chat(gw, CHAT.replace('"stream":false', '"stream":true'));
      assert.equal(res.status, 502, 'nothing reached the client: a failure like any other');
      assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'upstream_unavailable');
      const written = await taken!;
      assert.ok(written < 64 * 1024 * 1024, `the upstream was cut off after ${written} bytes`);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('a storm of informational answers counts toward the timeout', async () => {
    const upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      const timer = setInterval(() => res.writeProcessing(), 20);
      res.on('close', () => clearInterval(timer));
    });
    const gw = await gatewayFor(upstream, { timeout: '300ms' });
    try {
      const res = await chat(gw, CHAT);
      assert.equal(res.status, 504);
      assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'upstream_timeout');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
