// Clients that misbehave on purpose cannot pin the gateway's memory or its place in line: a client
// that leaves the queue takes its entry with it, and one that stops reading an answer is cut off.
// Each bound is asserted on what holds the data (entries, connections), not on time.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';
import { startScriptedUpstream } from '../support/scripted-upstream.ts';

const KEY = 'sk-hostile-clients-key-0000000000000001';

async function queued(gw: TestGateway): Promise<number> {
  const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
    upstreams: { queues: { queue_length: number }[] }[];
  };
  return stats.upstreams.flatMap((u) => u.queues).reduce((a, q) => a + q.queue_length, 0);
}

/** Waits until the queue holds `n` (the queue has no event to wait on from outside). */
async function untilQueued(gw: TestGateway, n: number): Promise<void> {
  while ((await queued(gw)) !== n);
}

describe('hostile clients', () => {
  test('clients that leave the queue take their entries (and bodies) with them', async () => {
    const mock = await startMockUpstream({});
    const gw = await startGateway({
      upstreams: { openai: { url: mock.url, keys: [KEY], limits: { max_concurrent: 1 } } },
    });
    mock.setStepMode(true);
    try {
      const holder = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          stream: true,
          messages: [{ role: 'user', content: 'x' }],
        }),
      });
      await mock.waitForRequests(1);
      const big = JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'y'.repeat(200_000) }],
      });
      const aborts: AbortController[] = [];
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        aborts.push(controller);
        pending.push(
          fetch(`${gw.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: big,
            signal: controller.signal,
          }).catch(() => undefined),
        );
      }
      await untilQueued(gw, 20);
      for (const c of aborts) c.abort();
      await Promise.all(pending);
      await untilQueued(gw, 0);
      assert.equal(await queued(gw), 0, 'no entry left behind while the holder still runs');
      mock.setStepMode(false);
      mock.release(100);
      assert.equal((await holder).status, 200);
      assert.equal(mock.received.length, 1, 'none of the leavers was sent');
    } finally {
      mock.setStepMode(false);
      mock.release(100);
      await gw.close();
      await mock.close();
    }
  });

  test('a client that stops reading a large answer is cut off after the idle timeout', async () => {
    const answer = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      choices: [],
      pad: 'z'.repeat(7 * 1024 * 1024),
    });
    const upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.length) });
        res.end(answer);
      });
    });
    const gw = await startGateway({
      upstreams: { openai: { url: upstream.url, keys: [KEY], idle_timeout: '300ms' } },
    });
    try {
      const url = new URL(gw.url);
      // The gateway's side of the connection: closed by the gateway is what shows the bound.
      const accepted = once(gw.gateway.app.server, 'connection') as Promise<[Socket]>;
      const socket = connect(Number(url.port), url.hostname);
      const [serverSide] = await accepted;
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      // It reads the first bytes, then stops reading for good.
      await once(socket, 'data');
      socket.pause();
      socket.on('error', () => {});
      await once(serverSide, 'close');
      assert.ok(serverSide.destroyed, 'the gateway closed the connection it could not write to');
      socket.destroy();
      assert.equal((await send(gw.url, { path: '/health' })).status, 200, 'and goes on serving');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('stalled uploads', () => {
  async function setup(server: Record<string, unknown> = {}) {
    const mock = await startMockUpstream({ dialect: 'generic' });
    const gw = await startGateway({
      server: { body_idle_timeout: '300ms', ...server },
      // Headers not learned: a cold key would send one upload and hold the next for its answer.
      upstreams: {
        files: { url: mock.url, dialect: 'generic', max_connections: 4, rate_limits: { use_headers: false } },
      },
      routes: { hosts: [{ match: 'files.example.net', upstream: 'files' }] },
    });
    return { mock, gw };
  }

  /** A POST that sends part of its body, then nothing more. */
  function stall(gw: TestGateway): { socket: Socket; answer: Promise<string> } {
    const url = new URL(gw.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.write(
      'POST /upload HTTP/1.1\r\nHost: files.example.net\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n',
    );
    socket.write(Buffer.alloc(1000, 1));
    socket.setEncoding('utf8');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: string) => (text += c));
      socket.on('close', () => resolve(text));
      socket.on('error', () => {});
    });
    return { socket, answer };
  }

  test('an upload that stops arriving is cut off with 408 and frees its upstream connection', async () => {
    const { mock, gw } = await setup();
    try {
      const { answer } = stall(gw);
      const received = await mock.waitForBodyBytes(1000);
      const closed = mock.waitForClose(received.id);
      const text = await answer;
      assert.match(text, /^HTTP\/1\.1 408/);
      assert.match(text, /request_timeout/);
      await closed;
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('stalled uploads take at most half an upstream connections; other calls are still served', async () => {
    const { mock, gw } = await setup({ body_idle_timeout: '30s' });
    const stalled = [stall(gw), stall(gw)];
    try {
      // The mock numbers its requests from 1: both uploads have reached it, and stall there.
      await mock.waitForBodyBytes(1000, 1);
      await mock.waitForBodyBytes(1000, 2);
      const third = stall(gw);
      assert.match(
        await third.answer,
        /^HTTP\/1\.1 503[\s\S]*queue_full/,
        'a third upload is refused at once',
      );
      const get = await send(gw.url, { path: '/still/served', headers: { host: 'files.example.net' } });
      assert.equal(get.status, 200);
    } finally {
      for (const s of stalled) s.socket.destroy();
      await gw.close();
      await mock.close();
    }
  });

  test('a client that never finishes its request head is cut off after headers_timeout', async () => {
    const mock = await startMockUpstream({});
    const gw = await startGateway({
      server: { headers_timeout: '300ms' },
      upstreams: { openai: { url: mock.url } },
    });
    try {
      const accepted = once(gw.gateway.app.server, 'connection') as Promise<[Socket]>;
      const url = new URL(gw.url);
      const socket = connect(Number(url.port), url.hostname);
      socket.on('error', () => {});
      socket.write('GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const [serverSide] = await accepted;
      await new Promise((resolve) => serverSide.once('close', resolve));
      assert.ok(serverSide.destroyed);
      socket.destroy();
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
