// A real agent client through the gateway: Claude Code in print mode, offline, with the mock
// provider behind the gateway. Its calls ask for far more output than a configured per-minute
// output limit (the case that used to be refused on the gateway's own guess).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../support/gateway.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const GATEWAY_KEY = 'sk-ant-gateway-key-for-claude-code-0001';

describe('Claude Code through the gateway', () => {
  test('print mode answers from the mock, through an otpm limit smaller than its max_tokens', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway({
      upstreams: {
        anthropic: { url: mock.url, dialect: 'anthropic', keys: [GATEWAY_KEY], limits: { otpm: 8000 } },
      },
    });
    const home = mkdtempSync(join(tmpdir(), 'cooldown-claude-code-'));
    // Its own process group, so it and anything it starts are stopped together.
    const child = spawn(CLAUDE, ['-p', 'Say hello.', '--output-format', 'json'], {
      cwd: home,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        ANTHROPIC_BASE_URL: gw.url,
        ANTHROPIC_API_KEY: 'sk-ant-client-key-of-claude-code',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A guard, not a synchronisation: a hung client fails the test instead of hanging it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    try {
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, `claude exited ${code}: ${stderr}${stdout}`);
      const result = JSON.parse(stdout) as { is_error: boolean; result: string; subtype: string };
      assert.equal(result.is_error, false, stdout);
      assert.equal(result.subtype, 'success');
      assert.equal(result.result, 'Hello from the mock upstream.');
      const calls = mock.received.filter((r) => r.path.startsWith('/v1/messages'));
      assert.ok(calls.length >= 1, 'it called the Messages API through the gateway');
      for (const call of calls) {
        assert.equal(call.key, GATEWAY_KEY, "the gateway's key, never the client's");
        assert.ok(!JSON.stringify(call.headers).includes('client-key-of-claude-code'));
      }
      const bound = (calls[0]!.json as { max_tokens: number }).max_tokens;
      assert.ok(bound > 8000, `it asked for ${bound} output tokens, more than the otpm window`);
    } finally {
      clearTimeout(guard);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone, with its group
      }
      await gw.close();
      await mock.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
