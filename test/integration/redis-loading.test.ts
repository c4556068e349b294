// ioredis defines a subclass of String, which turns off one of V8's string fast paths for the
// whole process (charCodeAt, startsWith, slice, JSON.stringify 2-5x slower), so a gateway without
// `store.redis` must never load it; one with Redis loads it on its first connection.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const support = fileURLToPath(new URL('../support/gateway.ts', import.meta.url));

/** Starts a gateway with `tree` in a fresh process and says whether ioredis was loaded there. */
async function loadsIoredis(tree: Record<string, unknown>): Promise<boolean> {
  const script = `
    import { createRequire } from 'node:module';
    import { startGateway } from ${JSON.stringify(support)};
    const gw = await startGateway(${JSON.stringify(tree)});
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((m) => m.includes('/node_modules/ioredis/'));
    await gw.close();
    console.log(JSON.stringify({ loaded }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: boolean }).loaded;
}

describe('loading ioredis', () => {
  test('a gateway without store.redis never loads it', async () => {
    assert.equal(
      await loadsIoredis({ upstreams: { openai: { url: 'http://127.0.0.1:9', keys: ['sk-x'] } } }),
      false,
    );
  });

  test('a gateway with store.redis loads it (the check above can see it)', async () => {
    const tree = {
      upstreams: { openai: { url: 'http://127.0.0.1:9', keys: ['sk-x'] } },
      store: { redis: 'redis://127.0.0.1:9' },
    };
    assert.equal(await loadsIoredis(tree), true);
  });
});
