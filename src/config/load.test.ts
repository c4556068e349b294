// Tests for building the effective config: defaults < file < env < flags, presets, errors, freezing.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} text.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from './config-error.ts';
import { type Config, type LoadOptions, loadConfig, type ResolvedUpstream } from './load.ts';
import { DURATION_HINT } from './units.ts';

const PRESETS = ['openai', 'anthropic', 'cerebras', 'groq', 'nvidia'];

const root = mkdtempSync(join(tmpdir(), 'cooldown-load-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A directory with no cooldown.yaml in it, so no file is picked up by accident. */
const emptyDir = join(root, 'empty');
mkdirSync(emptyDir);

let fileCount = 0;
/** Writes a YAML file in its own directory and returns its absolute path. */
function writeYaml(text: string, name = 'cooldown.yaml'): string {
  const dir = join(root, `files-${++fileCount}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** loadConfig with an explicit empty env and an empty cwd unless the test says otherwise. */
function load(options: LoadOptions = {}): Config {
  return loadConfig({ env: {}, cwd: emptyDir, ...options });
}

function upstream(config: Config, name: string): ResolvedUpstream {
  const u = config.upstreams[name];
  assert.ok(u, `upstream ${name} is configured`);
  return u;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  test('turns every provider preset on in passthrough mode when no key is set', () => {
    const config = load();
    assert.deepEqual(Object.keys(config.upstreams), PRESETS);
    for (const name of PRESETS) {
      const u = upstream(config, name);
      assert.equal(u.name, name);
      assert.deepEqual(u.keys, []);
      assert.equal(u.passthrough, true, name);
    }
  });

  test('gives each preset its URL and dialect', () => {
    const config = load();
    assert.equal(upstream(config, 'openai').url, 'https://api.openai.com');
    assert.equal(upstream(config, 'anthropic').dialect, 'anthropic');
    assert.equal(upstream(config, 'groq').url, 'https://api.groq.com/openai/v1');
    assert.equal(upstream(config, 'groq').dialect, 'groq');
    assert.equal(upstream(config, 'nvidia').limits.rpm, 40);
  });

  test('fills the schema defaults', () => {
    const config = load();
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8787);
    assert.equal(config.server.request_timeout, 600_000);
    assert.equal(config.server.max_body, 10 * 1024 * 1024);
    assert.equal(config.cache.enabled, true);
    assert.equal(config.cache.ttl, 300_000);
    assert.equal(config.optimize.enabled, true);
    assert.equal(config.rate_limit.enabled, true);
    assert.deepEqual(config.budgets, []);
    assert.equal(config.source, undefined);
  });
});

describe('loadConfig provider presets', () => {
  const routed = (config: ReturnType<typeof load>, upstreamName: string) =>
    config.routes.models.filter((r) => r.upstream === upstreamName).map((r) => r.match);

  test('every preset exists; with no keys they pass client credentials through', () => {
    const config = load();
    assert.deepEqual(Object.keys(config.upstreams), PRESETS);
    for (const name of PRESETS) assert.equal(upstream(config, name).passthrough, true, name);
  });

  test('a key variable gives its preset keys and its open-weight routes; the others keep their own models', () => {
    const config = load({ env: { GROQ_API_KEY: 'gsk_one' } });
    assert.deepEqual(upstream(config, 'groq').keys, ['gsk_one']);
    assert.equal(upstream(config, 'groq').passthrough, false);
    assert.ok(routed(config, 'groq').includes('llama*'));
    assert.deepEqual(routed(config, 'cerebras'), [], 'nobody chose cerebras: llama* does not go there');
    assert.deepEqual(routed(config, 'anthropic'), ['claude-*'], 'Claude Code still works with its own key');
  });

  test('a preset nobody chose (not named, no keys, no OPENAI_API_URL) is implicit', () => {
    const config = load({
      env: { GROQ_API_KEY: 'gsk_one', OPENAI_API_URL: 'http://127.0.0.1:1/v1' },
      tree: { upstreams: { cerebras: {}, local: { url: 'http://127.0.0.1:2' } } },
    });
    const implicit = Object.values(config.upstreams)
      .filter((u) => u.implicit)
      .map((u) => u.name);
    assert.deepEqual(implicit.sort(), ['anthropic', 'nvidia']);
  });

  test('without keys, open-weight models go nowhere by guesswork', () => {
    const config = load();
    for (const name of ['cerebras', 'groq', 'nvidia']) assert.deepEqual(routed(config, name), [], name);
  });

  test('a NAME_API_KEYS variable is a comma-separated pool', () => {
    const config = load({ env: { CEREBRAS_API_KEYS: 'csk-a, csk-b,,csk-c ' } });
    assert.deepEqual(upstream(config, 'cerebras').keys, ['csk-a', 'csk-b', 'csk-c']);
  });

  test('the pool variable wins over the single-key variable', () => {
    const config = load({ env: { GROQ_API_KEY: 'single', GROQ_API_KEYS: 'pool-1,pool-2' } });
    assert.deepEqual(upstream(config, 'groq').keys, ['pool-1', 'pool-2']);
  });

  test('an empty key variable counts as unset', () => {
    const config = load({ env: { GROQ_API_KEY: '', OPENAI_API_KEY: '  ' } });
    assert.equal(upstream(config, 'groq').passthrough, true);
    assert.equal(upstream(config, 'openai').passthrough, true);
  });

  test('keys in the file win over the key variable', () => {
    const config = load({
      env: { GROQ_API_KEY: 'from-env' },
      tree: { upstreams: { groq: { keys: ['from-file-1', 'from-file-2'] } } },
    });
    assert.deepEqual(upstream(config, 'groq').keys, ['from-file-1', 'from-file-2']);
  });

  test('naming a preset in the file fills it from the preset and routes its open-weight models', () => {
    const config = load({ tree: { upstreams: { cerebras: { retries: { max: 5 } } } } });
    const u = upstream(config, 'cerebras');
    assert.equal(u.url, 'https://api.cerebras.ai');
    assert.equal(u.dialect, 'cerebras');
    assert.equal(u.retries.max, 5);
    assert.equal(u.passthrough, true);
    assert.ok(routed(config, 'cerebras').includes('llama*'));
  });

  test("the user's own upstreams sit beside the presets", () => {
    const config = load({
      tree: { upstreams: { github: { url: 'https://api.github.com', dialect: 'generic' } } },
    });
    assert.deepEqual(Object.keys(config.upstreams).sort(), [...PRESETS, 'github'].sort());
  });

  test('OPENAI_API_URL points the OpenAI preset elsewhere, beats the file, and takes unclaimed models', () => {
    const config = load({
      env: { OPENAI_API_URL: 'http://localhost:11434/v1' },
      tree: { upstreams: { openai: { url: 'https://from-file.example/v1' } } },
    });
    assert.equal(upstream(config, 'openai').url, 'http://localhost:11434/v1');
    assert.equal(upstream(config, 'groq').url, 'https://api.groq.com/openai/v1');
    assert.deepEqual(config.routes.models.at(-1), {
      match: '*',
      upstream: 'openai',
      fallbacks: [],
      fallback_after: 0.5,
      stream_rescue: false,
    });
  });

  test('an empty OPENAI_API_URL counts as unset, like the other variables', () => {
    const config = load({ env: { OPENAI_API_URL: '' } });
    assert.equal(upstream(config, 'openai').url, 'https://api.openai.com');
    assert.notEqual(config.routes.models.at(-1)?.match, '*');
  });

  test('preset routes come after the user routes, in preset order', () => {
    const config = load({
      env: { NVIDIA_API_KEY: 'nvapi-1' },
      tree: { routes: { models: [{ match: 'gpt-*', upstream: 'groq', model: 'llama' }] } },
    });
    const models = config.routes.models;
    assert.equal(models[0]?.match, 'gpt-*');
    assert.equal(models[0]?.upstream, 'groq');
    assert.equal(models[1]?.upstream, 'openai');
    assert.equal(models.at(-1)?.upstream, 'nvidia');
  });
});

describe('loadConfig precedence', () => {
  test('port: flag > COOLDOWN_PORT > PORT > file > default', () => {
    const tree = { server: { port: 1000 } };
    assert.equal(load().server.port, 8787);
    assert.equal(load({ tree }).server.port, 1000);
    assert.equal(load({ tree, env: { PORT: '2000' } }).server.port, 2000);
    assert.equal(load({ tree, env: { PORT: '2000', COOLDOWN_PORT: '3000' } }).server.port, 3000);
    const all = load({ tree, env: { PORT: '2000', COOLDOWN_PORT: '3000' }, flags: { port: 4000 } });
    assert.equal(all.server.port, 4000);
  });

  test('host: flag > COOLDOWN_HOST > file > default', () => {
    const tree = { server: { host: '10.0.0.1' } };
    assert.equal(load().server.host, '127.0.0.1');
    assert.equal(load({ tree }).server.host, '10.0.0.1');
    assert.equal(load({ tree, env: { COOLDOWN_HOST: '0.0.0.0' } }).server.host, '0.0.0.0');
    assert.equal(load({ tree, env: { COOLDOWN_HOST: '0.0.0.0' }, flags: { host: '::' } }).server.host, '::');
  });

  test('a port flag keeps the host from the file, and a host flag the port', () => {
    const tree = { server: { host: '10.0.0.1', port: 1000 } };
    assert.deepEqual(
      [load({ tree, flags: { port: 4000 } }).server.host, load({ tree, flags: { host: '::' } }).server.port],
      ['10.0.0.1', 1000],
    );
  });

  test('REQUEST_TIMEOUT overrides the file, as a duration or bare milliseconds', () => {
    const tree = { server: { request_timeout: '60s' } };
    assert.equal(load({ tree }).server.request_timeout, 60_000);
    assert.equal(load({ tree, env: { REQUEST_TIMEOUT: '30s' } }).server.request_timeout, 30_000);
    assert.equal(load({ tree, env: { REQUEST_TIMEOUT: '1500' } }).server.request_timeout, 1500);
  });

  test('CACHE_TTL overrides the file', () => {
    const tree = { cache: { ttl: '1m' } };
    assert.equal(load({ tree }).cache.ttl, 60_000);
    assert.equal(load({ tree, env: { CACHE_TTL: '10m' } }).cache.ttl, 600_000);
    assert.equal(load({ tree, env: { CACHE_TTL: '2500' } }).cache.ttl, 2500);
  });

  test('RATE_LIMIT sets the per-client requests per minute', () => {
    const tree = { clients: { limits: { rpm: 10, tpm: 5000 } } };
    const config = load({ tree, env: { RATE_LIMIT: '60' } });
    assert.equal(config.clients.limits.rpm, 60);
    assert.equal(config.clients.limits.tpm, 5000);
  });

  test('MAX_CACHE_SIZE sets the cache size in megabytes', () => {
    assert.equal(
      load({ tree: { cache: { max_size_mb: 100 } }, env: { MAX_CACHE_SIZE: '2.5' } }).cache.max_size_mb,
      2.5,
    );
    assert.equal(load({ env: { MAX_CACHE_SIZE: '500' } }).cache.max_entries, 10_000);
  });

  test('PROXY_URL sets the outbound proxy over the file', () => {
    const tree = { outbound_proxy: 'http://file-proxy:3128' };
    assert.equal(load({ tree }).outbound_proxy, 'http://file-proxy:3128');
    assert.equal(
      load({ tree, env: { PROXY_URL: 'http://env-proxy:8080' } }).outbound_proxy,
      'http://env-proxy:8080',
    );
  });

  test('COOLDOWN_BUDGET adds a global daily budget', () => {
    const config = load({ env: { COOLDOWN_BUDGET: '5.5' } });
    assert.deepEqual(config.budgets, [
      { scope: 'global', period: 'daily', limit_usd: 5.5, allow_unknown: false },
    ]);
  });

  test('COOLDOWN_BUDGET replaces the global daily budget of the file and keeps the others', () => {
    const tree = {
      budgets: [
        { scope: 'global', period: 'daily', limit_usd: 100 },
        { scope: 'global', period: 'monthly', limit_usd: 1000, allow_unknown: false },
        { scope: 'client', name: 'alice', period: 'daily', limit_usd: 1, allow_unknown: false },
      ],
    };
    const config = load({ tree, env: { COOLDOWN_BUDGET: '5' } });
    assert.deepEqual(config.budgets, [
      { scope: 'global', period: 'monthly', limit_usd: 1000, allow_unknown: false },
      { scope: 'client', name: 'alice', period: 'daily', limit_usd: 1, allow_unknown: false },
      { scope: 'global', period: 'daily', limit_usd: 5, allow_unknown: false },
    ]);
  });

  test('a budget with scope and period left out counts as the global daily one', () => {
    const config = load({ tree: { budgets: [{ limit_usd: 100 }] }, env: { COOLDOWN_BUDGET: '5' } });
    assert.deepEqual(config.budgets, [
      { scope: 'global', period: 'daily', limit_usd: 5, allow_unknown: false },
    ]);
  });

  test('the budget flag wins over COOLDOWN_BUDGET', () => {
    const config = load({ env: { COOLDOWN_BUDGET: '5' }, flags: { budget: 2 } });
    assert.deepEqual(config.budgets, [
      { scope: 'global', period: 'daily', limit_usd: 2, allow_unknown: false },
    ]);
  });

  test('the optimize, cache and rate-limit flags turn those off over the file', () => {
    const tree = {
      optimize: { enabled: true },
      cache: { enabled: true, ttl: '1m' },
      rate_limit: { enabled: true },
    };
    const config = load({ tree, flags: { optimize: false, cache: false, rateLimit: false } });
    assert.equal(config.optimize.enabled, false);
    assert.equal(config.cache.enabled, false);
    assert.equal(config.cache.ttl, 60_000);
    assert.equal(config.rate_limit.enabled, false);
  });

  test('the log file flag sets the log file', () => {
    assert.equal(load({ flags: { logFile: '/var/log/cooldown.log' } }).log.file, '/var/log/cooldown.log');
  });
});

describe('loadConfig files', () => {
  test('reads cooldown.yaml from the working directory and records its path', () => {
    const path = writeYaml('server:\n  port: 9999\n');
    const config = loadConfig({ env: {}, cwd: join(path, '..') });
    assert.equal(config.server.port, 9999);
    assert.equal(config.source, path);
  });

  test('reads cooldown.yml when there is no cooldown.yaml', () => {
    const path = writeYaml('server:\n  port: 9998\n', 'cooldown.yml');
    assert.equal(loadConfig({ env: {}, cwd: join(path, '..') }).server.port, 9998);
  });

  test('reads the file named by the config flag or COOLDOWN_CONFIG, relative to cwd', () => {
    const path = writeYaml('server:\n  port: 9997\n', 'custom.yaml');
    assert.equal(load({ flags: { config: path } }).server.port, 9997);
    assert.equal(
      loadConfig({ env: { COOLDOWN_CONFIG: 'custom.yaml' }, cwd: join(path, '..') }).server.port,
      9997,
    );
  });

  test('expands ${VAR} in the file from the given env', () => {
    const path = writeYaml(
      [
        'server:',
        '  admin_token: ${ADMIN_TOKEN}',
        'upstreams:',
        '  groq:',
        '    url: https://${GROQ_HOST:-api.groq.com}/openai/v1',
        '    keys: ${GROQ_KEYS}',
        '  cerebras:',
        '    keys: ${CEREBRAS_KEYS}',
        '',
      ].join('\n'),
    );
    const config = load({
      flags: { config: path },
      env: { ADMIN_TOKEN: 'admin-secret', GROQ_KEYS: 'k1,k2' },
    });
    assert.equal(config.server.admin_token, 'admin-secret');
    assert.equal(upstream(config, 'groq').url, 'https://api.groq.com/openai/v1');
    assert.deepEqual(upstream(config, 'groq').keys, ['k1', 'k2']);
    // An unset whole-value variable drops the key: cerebras is on, with no keys.
    assert.deepEqual(upstream(config, 'cerebras').keys, []);
    assert.equal(upstream(config, 'cerebras').passthrough, true);
  });

  test('expands ${VAR} in an in-memory tree too', () => {
    const config = load({ tree: { server: { admin_token: '${TOKEN:-fallback-token}' } } });
    assert.equal(config.server.admin_token, 'fallback-token');
  });
});

describe('loadConfig errors', () => {
  test('a YAML syntax error names the file and the line', () => {
    const path = writeYaml('server:\n  port: 1\n  port: 2\n');
    const err = configError(() => load({ flags: { config: path } }));
    assert.ok(err.message.includes(`${path}:3:`), err.message);
  });

  test('a file that cannot be read is named', () => {
    const missing = join(root, 'no-such-dir', 'cooldown.yaml');
    const err = configError(() => load({ flags: { config: missing } }));
    assert.ok(err.message.includes(missing), err.message);
  });

  test('a file whose top level is not a mapping is refused', () => {
    const path = writeYaml('- just\n- a list\n');
    const err = configError(() => load({ flags: { config: path } }));
    assert.ok(err.message.includes(path), err.message);
    assert.match(err.message, /top level/);
  });

  test('an unknown key names the file and the full path of the key', () => {
    const path = writeYaml('upstreams:\n  x:\n    url: https://x.example.com\n    tmeout: 5s\n');
    const err = configError(() => load({ flags: { config: path } }));
    assert.ok(err.message.includes(path), err.message);
    assert.ok(err.message.includes('upstreams.x.tmeout'), err.message);
  });

  test('an unknown top-level key is named', () => {
    const err = configError(() => load({ tree: { sever: { port: 1 } } }));
    assert.ok(err.message.includes('"sever"') || err.message.includes('sever'), err.message);
  });

  test('a bad duration names its path and shows the hint', () => {
    const path = writeYaml('server:\n  request_timeout: 5x\n');
    const err = configError(() => load({ flags: { config: path } }));
    assert.ok(err.message.includes(path), err.message);
    assert.ok(err.message.includes('server.request_timeout'), err.message);
    assert.ok(err.message.includes('"5x"'), err.message);
    assert.ok(err.message.includes(DURATION_HINT), err.message);
  });

  test('a route to an unknown upstream names the route', () => {
    const err = configError(() =>
      load({ tree: { routes: { models: [{ match: 'x-*', upstream: 'nope' }] } } }),
    );
    assert.ok(err.message.includes('routes.models[0].upstream'), err.message);
    assert.ok(err.message.includes('"nope"'), err.message);
  });

  test('a fallback or default to an unknown upstream is named', () => {
    const err = configError(() =>
      load({
        tree: {
          routes: {
            models: [{ match: 'x-*', upstream: 'groq', fallbacks: [{ upstream: 'gone' }] }],
            default: 'missing',
          },
        },
      }),
    );
    assert.ok(err.message.includes('routes.models[0].fallbacks[0].upstream'), err.message);
    assert.ok(err.message.includes('routes.default'), err.message);
    assert.equal(err.problems.length, 2);
  });

  test('a bad env value names the variable', () => {
    for (const [name, value] of [
      ['COOLDOWN_PORT', 'abc'],
      ['PORT', '80x'],
      ['RATE_LIMIT', 'ten'],
      ['MAX_CACHE_SIZE', '-1'],
      ['COOLDOWN_BUDGET', '-5'],
    ] as const) {
      const err = configError(() => load({ env: { [name]: value } }));
      assert.ok(err.message.includes(name), err.message);
      assert.ok(err.message.includes(JSON.stringify(value)), err.message);
    }
  });

  test('an out-of-range port from the env is refused', () => {
    const err = configError(() => load({ env: { COOLDOWN_PORT: '70000' } }));
    assert.ok(err.message.includes('server.port'), err.message);
  });
});

describe('loadConfig result', () => {
  test('is deeply frozen', () => {
    const config = load({ env: { GROQ_API_KEYS: 'a,b' } });
    const groq = upstream(config, 'groq');
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.server));
    assert.ok(Object.isFrozen(config.upstreams));
    assert.ok(Object.isFrozen(groq));
    assert.ok(Object.isFrozen(groq.keys));
    assert.ok(Object.isFrozen(groq.limits));
    assert.ok(Object.isFrozen(config.routes.models));
    assert.ok(Object.isFrozen(config.routes.models[0]));
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (groq.keys as string[]).push('c');
    }, TypeError);
  });

  test('by default every upstream waits 600 s for its answer, as the official SDKs do', () => {
    const config = load({});
    for (const name of ['openai', 'anthropic'])
      assert.deepEqual(
        [upstream(config, name).timeout, upstream(config, name).idle_timeout],
        [600_000, 600_000],
      );
    assert.equal(
      upstream(config, 'openai').first_token_timeout,
      undefined,
      'no first-token bound unless set',
    );
  });

  test('an upstream timeout defaults to server.request_timeout and idle_timeout to timeout', () => {
    const config = load({
      tree: {
        server: { request_timeout: '45s' },
        upstreams: {
          groq: {},
          openai: { timeout: '30s' },
          anthropic: { timeout: '30s', idle_timeout: '5s' },
        },
      },
    });
    assert.deepEqual(
      [upstream(config, 'groq').timeout, upstream(config, 'groq').idle_timeout],
      [45_000, 45_000],
    );
    assert.deepEqual(
      [upstream(config, 'openai').timeout, upstream(config, 'openai').idle_timeout],
      [30_000, 30_000],
    );
    assert.deepEqual(
      [upstream(config, 'anthropic').timeout, upstream(config, 'anthropic').idle_timeout],
      [30_000, 5000],
    );
  });

  test('REQUEST_TIMEOUT reaches the upstream timeouts that are not set', () => {
    const config = load({ env: { REQUEST_TIMEOUT: '20s' } });
    assert.equal(upstream(config, 'openai').timeout, 20_000);
    assert.equal(upstream(config, 'openai').idle_timeout, 20_000);
  });

  test('does not change the tree it is given', () => {
    const tree = { server: { port: 1000 }, upstreams: { groq: { keys: ['k'] } }, routes: { models: [] } };
    const copy = structuredClone(tree);
    load({ tree, env: { COOLDOWN_BUDGET: '1' } });
    assert.deepEqual(tree, copy);
  });
});

describe('loadConfig ${VAR} in typed fields', () => {
  test('numbers, booleans and bare-millisecond durations may come from variables', () => {
    const config = load({
      env: { MY_PORT: '9090', RPM: '30', CACHE_ON: 'false', T: '1500' },
      tree: {
        server: { port: '${MY_PORT}', request_timeout: '${T}' },
        upstreams: { groq: { limits: { rpm: '${RPM}' } } },
        cache: { enabled: '${CACHE_ON}' },
      },
    });
    assert.equal(config.server.port, 9090);
    assert.equal(config.server.request_timeout, 1500);
    assert.equal(upstream(config, 'groq').limits.rpm, 30);
    assert.equal(config.cache.enabled, false);
  });

  test('an unset variable inside a longer string is named, with its key path', () => {
    assert.throws(
      () => load({ tree: { upstreams: { local: { url: 'http://${NO_SUCH_HOST}:11434/v1' } } } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /upstreams\.local\.url: \$\{NO_SUCH_HOST\} is not set/.test(err.message),
    );
  });
});

describe('pricing', () => {
  test('prices per million tokens by model name; a negative one is refused with its path', () => {
    const config = loadConfig({
      tree: { pricing: { 'my-llama': { input: 0.2, output: '0.6', cached_input: 0.1 } } },
      env: {},
      cwd: emptyDir,
    });
    assert.deepEqual(config.pricing['my-llama'], { input: 0.2, output: 0.6, cached_input: 0.1 });
    const err = configError(() =>
      loadConfig({ tree: { pricing: { x: { input: -1, output: 1 } } }, env: {}, cwd: emptyDir }),
    );
    assert.match(err.message, /pricing\.x\.input/);
  });
});
