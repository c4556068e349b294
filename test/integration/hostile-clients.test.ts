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
