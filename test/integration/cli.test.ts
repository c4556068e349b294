// The CLI as users run it: start, answer, drain on SIGTERM and exit 0; config check and config errors;
// a new virtual key.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keyDigestHex } from '../../src/clients/key-digest.ts';
import { runCli } from '../support/cli.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

/** Lets the stepped mock finish its streams, and reads what is left of one. */
async function releaseAndRead(
  mock: MockUpstream,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<string> {
  mock.setStepMode(false);
  mock.release(100);
  let rest = '';
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return rest;
    rest += decoder.decode(value, { stream: true });
  }
}

describe('cooldown CLI', () => {
  let mock: MockUpstream;
  let dir: string;

  before(async () => {
    mock = await startMockUpstream({ streamChunks: 3 });
    dir = mkdtempSync(join(tmpdir(), 'cooldown-cli-'));
  });
  after(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts with built-in defaults, answers /health, forwards, and drains a stream on SIGTERM', async () => {
    const run = runCli([], {
      COOLDOWN_PORT: '0',
      OPENAI_API_URL: mock.url,
      OPENAI_API_KEY: 'sk-test-cli-key-000000001',
    });
    try {
      const started = await run.waitForLog(/listening/);
      const url = started.url as string;
      const health = (await (await fetch(`${url}/health`)).json()) as { status: string; upstreams: string[] };
      assert.equal(health.status, 'ok');
      assert.deepEqual(health.upstreams, ['openai', 'anthropic', 'cerebras', 'groq', 'nvidia']);

      mock.setStepMode(true);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] }),
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.ok(!first.done);

      run.child.kill('SIGTERM');
      await run.waitForLog(/shutting down/);
      const rest = await releaseAndRead(mock, reader);
      assert.ok(rest.includes('data: [DONE]'), 'the in-flight stream finished');
      assert.equal(await run.exited(), 0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('SIGHUP reloads keys without dropping a stream in flight; a broken config is refused', async () => {
    const file = join(dir, 'reload.yaml');
    const keysFile = (keys: string[]) =>
      `upstreams:\n  openai:\n    url: ${mock.url}\n    keys: [${keys.join(', ')}]\n`;
    writeFileSync(file, keysFile(['sk-before-reload-key-00000000001']));
    const run = runCli(['--config', file], { COOLDOWN_PORT: '0' });
    let asked = 0;
    // Each asks something new: a repeat would be answered from the response cache, by no key.
    const chat = (url: string, stream = false) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o',
          stream,
          messages: [{ role: 'user', content: `hi ${++asked}` }],
        }),
      });
    try {
      const url = (await run.waitForLog(/listening/)).url as string;
      mock.reset();
      mock.setStepMode(true);
      const inFlight = await chat(url, true);
      const reader = inFlight.body!.getReader();
      assert.ok(!(await reader.read()).done);

      writeFileSync(file, keysFile(['sk-after-reload-key-000000000002', 'sk-after-reload-key-000000000003']));
      run.child.kill('SIGHUP');
      const reloaded = await run.waitForLog(/config reloaded/);
      assert.equal((reloaded.upstreams as string[])[0], 'openai (2 keys)');
      const rest = await releaseAndRead(mock, reader);
      assert.ok(rest.includes('data: [DONE]'), 'the stream in flight finished on the old key');

      for (const _ of [1, 2]) await (await chat(url)).arrayBuffer();
      assert.deepEqual(
        mock.received.map((r) => r.key),
        [
          'sk-before-reload-key-00000000001',
          'sk-after-reload-key-000000000002',
          'sk-after-reload-key-000000000003',
        ],
      );

      writeFileSync(file, 'upstreams:\n  openai:\n    url: not-a-url\n');
      run.child.kill('SIGHUP');
      const refused = await run.waitForLog(/reload refused/);
      assert.match(String(refused.problem), /upstreams\.openai\.url/);
      const still = await chat(url);
      assert.equal(still.status, 200);
      await still.arrayBuffer();
      assert.equal(mock.received.at(-1)!.key?.startsWith('sk-after-reload-key'), true);
    } finally {
      mock.setStepMode(false);
      run.child.kill('SIGKILL');
    }
  });

  test('config check prints the effective config with keys masked', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's ${VAR}, not a template
      'upstreams:\n  groq:\n    keys: ${MY_GROQ_KEYS}\n    limits: { rpm: 30, tpm: 6000 }\n',
    );
    const run = runCli(['config', 'check', file], {
      MY_GROQ_KEYS: 'gsk_live_abcdefghijklmnopqrstuvw1234,gsk_live_zyxwvutsrqponmlkjihgf5678',
    });
    assert.equal(await run.exited(), 0);
    const out = run.stdout();
    assert.match(out, /gsk_li\.\.\.1234/);
    assert.match(out, /gsk_li\.\.\.5678/);
    assert.ok(!out.includes('abcdefghijklmnop') && !out.includes('zyxwvutsrq'), 'no key in clear');
    assert.match(out, /url: https:\/\/api\.groq\.com\/openai\/v1/);
    assert.match(out, /rpm: 30/);
  });

  test('config check names the file, the key path and the problem', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'upstreams:\n  openai:\n    tmeout: 5s\n    queue: { timeout: 5x }\n');
    const run = runCli(['config', 'check', file]);
    assert.equal(await run.exited(), 2);
    const err = run.stderr();
    assert.ok(err.includes(file));
    assert.match(err, /upstreams\.openai\.tmeout: unknown key/);
    assert.match(err, /upstreams\.openai\.queue\.timeout: invalid value "5x"/);
  });

  test('the proxy refuses to start on a broken config, saying why', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'server:\n  port: [not, a, port\n');
    const run = runCli(['--config', file]);
    assert.equal(await run.exited(), 2);
    assert.match(run.stderr(), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
  });

  test('keys new prints a key once and the config line that holds its hash', async () => {
    const run = runCli(['keys', 'new', 'alice']);
    // 'close', not just 'exit': all of stdout has been read by then.
    await once(run.child, 'close');
    assert.equal(await run.exited(), 0);
    const [keyLine, note, configLine, end] = run.stdout().split('\n');
    const key = /^key: (ck-[A-Za-z0-9_-]{43})$/.exec(keyLine!)?.[1];
    assert.ok(key, keyLine);
    assert.match(note!, /shown only once/);
    assert.equal(configLine, `- { name: alice, key: "sha256:${keyDigestHex(key)}" }`);
    assert.equal(end, '');
  });

  test('keys new refuses a name with a space, saying what a name may be', async () => {
    const run = runCli(['keys', 'new', 'bad name']);
    await once(run.child, 'close');
    assert.notEqual(await run.exited(), 0);
    assert.equal(run.stdout(), '');
    assert.match(run.stderr(), /'bad name' is invalid for argument 'name'\. expected 1-64 characters/);
  });
});
