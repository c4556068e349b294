// GET /v1/models through the gateway lists what a client can use through it: one upstream's own
// list as it is, or the union of several upstreams' lists (each asked once, kept briefly) under
// the names that reach them, in the shape of the client's SDK.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createManualClock } from '../../src/time/clock.ts';
import { captureLog, startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const OPENAI_KEY = 'sk-upstream-openai-key-for-model-lists-0001';
const GROQ_KEY = 'gsk_upstream-groq-key-for-model-lists-0001';
const ANTHROPIC_KEY = 'sk-ant-upstream-key-for-model-lists-0001';
const CLIENT_KEY = 'sk-client-key-that-stays-with-the-gateway';

const modelLists = (mock: MockUpstream) => mock.received.filter((r) => r.route === 'models');

describe('one upstream behind a catch-all route', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({ dialect: 'groq' });
    gw = await startGateway({
      upstreams: { local: { url: `${mock.url}/openai/v1`, dialect: 'groq', keys: [GROQ_KEY] } },
      routes: { models: [{ match: '*', upstream: 'local' }] },
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('model-less calls go to the catch-all upstream: its own list comes back, unchanged', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    const { data, response } = await client.models.list().withResponse();
    assert.equal(response.headers.get('x-cooldown-upstream'), 'local');
    assert.deepEqual(
      data.data.map((m) => m.id),
      ['llama-3.1-8b-instant', 'llama-3.3-70b-versatile'],
    );
    assert.equal(data.data[0]?.owned_by, 'Meta', "the upstream's own objects");
    const asked = modelLists(mock).at(-1);
    assert.equal(asked?.path, '/openai/v1/models');
    assert.equal(asked?.key, GROQ_KEY);
  });

  test('an Anthropic client gets the same upstream, not the Anthropic preset', async () => {
    const before = modelLists(mock).length;
    const res = await send(gw.url, {
      path: '/v1/models',
      headers: { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-cooldown-upstream'], 'local');
    assert.equal(modelLists(mock).length, before + 1, 'passed through each time, nothing kept');
  });
});

describe('several upstreams: the gateway answers with the union of their lists', () => {
  let openai: MockUpstream;
  let groq: MockUpstream;
  let claude: MockUpstream;
  let gw: TestGateway;
  let oai: OpenAI;
  let ant: Anthropic;

  // Listed models first (upstreams in config order), then route aliases; `shared-model` is
  // listed by two upstreams: the route sends it to openai, so groq's is reached as groq/shared-model.
  const UNION = [
    'gpt-4o-mini',
    'shared-model',
    'text-embedding-3-small',
    'llama-3.1-8b-instant',
    'groq/shared-model',
    'claude-sonnet-4-6',
    'claude-haiku-4-5',
    'fast',
  ];

  before(async () => {
    openai = await startMockUpstream({
      keys: [OPENAI_KEY],
      models: ['gpt-4o-mini', 'shared-model', 'text-embedding-3-small'],
    });
    groq = await startMockUpstream({
      dialect: 'groq',
      keys: [GROQ_KEY],
      models: ['llama-3.1-8b-instant', 'shared-model'],
    });
    claude = await startMockUpstream({
      dialect: 'anthropic',
      keys: [ANTHROPIC_KEY],
      models: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
    });
    gw = await startGateway({
      upstreams: {
        openai: { url: openai.url, keys: [OPENAI_KEY] },
        groq: { url: `${groq.url}/openai/v1`, dialect: 'groq', keys: [GROQ_KEY] },
        anthropic: { url: claude.url, dialect: 'anthropic', keys: [ANTHROPIC_KEY] },
      },
      routes: {
        models: [
          { match: 'fast', upstream: 'groq', model: 'llama-3.1-8b-instant' },
          { match: 'shared-model', upstream: 'openai' },
        ],
      },
    });
    oai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    ant = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await Promise.all([openai.close(), groq.close(), claude.close()]);
  });

  test('OpenAI SDK: one list in OpenAI shape, each upstream asked once with its own key', async () => {
    const { data: page, response } = await oai.models.list().withResponse();
    assert.deepEqual(
      page.data.map((m) => m.id),
      UNION,
    );
    for (const m of page.data) assert.equal(m.object, 'model');
    const owner = Object.fromEntries(page.data.map((m) => [m.id, m.owned_by]));
    assert.equal(owner['gpt-4o-mini'], 'system', "OpenAI-shaped entries keep the upstream's owner");
    assert.equal(
      owner['claude-haiku-4-5'],
      'anthropic',
      'an Anthropic-listed model is owned by its upstream',
    );
    assert.equal(owner.fast, 'groq');
    const created = Object.fromEntries(page.data.map((m) => [m.id, m.created]));
    assert.equal(created['claude-haiku-4-5'], Date.parse('2025-10-01T00:00:00Z') / 1000);
    assert.equal(created.fast, 1_700_000_000, "an alias has its target's date");
    assert.equal(response.headers.get('x-proxy'), 'cooldown');
    assert.equal(response.headers.get('x-cooldown-upstream'), null, 'no one upstream answered');
    assert.equal(response.headers.get('x-request-id'), response.headers.get('x-cooldown-request-id'));

    const [toOpenai, toGroq, toClaude] = [modelLists(openai), modelLists(groq), modelLists(claude)];
    assert.deepEqual([toOpenai.length, toGroq.length, toClaude.length], [1, 1, 1]);
    assert.equal(toOpenai[0]?.key, OPENAI_KEY);
    assert.equal(toGroq[0]?.key, GROQ_KEY);
    assert.equal(toGroq[0]?.path, '/openai/v1/models');
    assert.equal(toClaude[0]?.key, ANTHROPIC_KEY);
    assert.equal(toClaude[0]?.headers['anthropic-version'], '2023-06-01');
    assert.equal(toClaude[0]?.path, '/v1/models?limit=1000', 'Anthropic pages by 20 unless asked');
    for (const r of [...toOpenai, ...toGroq, ...toClaude])
      assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY), "the client's key stays at the gateway");
  });

  test('a second list within the minute asks no upstream again', async () => {
    const counts = () => [openai, groq, claude].map((m) => modelLists(m).length);
    const before = counts();
    const again = await oai.models.list();
    assert.deepEqual(
      again.data.map((m) => m.id),
      UNION,
    );
    assert.deepEqual(counts(), before);
  });

  test('Anthropic SDK: the same union in Anthropic shape, paged by its cursors', async () => {
    const ids: string[] = [];
    const entries: Anthropic.ModelInfo[] = [];
    for await (const m of ant.models.list({ limit: 3 })) {
      ids.push(m.id);
      entries.push(m);
    }
    assert.deepEqual(ids, UNION, "pages of three, each asked after the last one's last_id");
    for (const m of entries) {
      assert.equal(m.type, 'model');
      assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const byId = Object.fromEntries(entries.map((m) => [m.id, m]));
    assert.equal(byId['claude-sonnet-4-6']?.display_name, 'Claude Sonnet 4.6', "Anthropic's own entry");
    assert.equal(byId['gpt-4o-mini']?.display_name, 'gpt-4o-mini');
    assert.equal(byId['gpt-4o-mini']?.created_at, '2023-11-14T22:13:20Z');

    const first = await ant.models.list();
    assert.equal(first.data.length, UNION.length, 'one default page of 20 holds them all');
    assert.equal(first.has_more, false);
    assert.equal(first.first_id, 'gpt-4o-mini');
    assert.equal(first.last_id, 'fast');
    const before = await ant.models.list({ before_id: 'claude-sonnet-4-6', limit: 2 });
    assert.deepEqual(
      before.data.map((m) => m.id),
      ['llama-3.1-8b-instant', 'groq/shared-model'],
    );
    assert.equal(before.has_more, true);
  });

  test('a page limit out of range is refused in Anthropic shape', async () => {
    const res = await send(gw.url, {
      path: '/v1/models?limit=0',
      headers: { 'anthropic-version': '2023-06-01', 'x-api-key': CLIENT_KEY },
    });
    assert.equal(res.status, 400);
    const body = JSON.parse(res.body) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
  });

  test('every listed name reaches the upstream it was listed for', async () => {
    const chat = async (model: string) =>
      (
        await oai.chat.completions
          .create({ model, messages: [{ role: 'user', content: 'hi' }] })
          .withResponse()
      ).response.headers.get('x-cooldown-upstream');
    assert.equal(await chat('shared-model'), 'openai');
    assert.equal(await chat('groq/shared-model'), 'groq');
    assert.deepEqual(groq.received.at(-1)?.json, {
      model: 'shared-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(await chat('fast'), 'groq');
    assert.equal(await chat('llama-3.1-8b-instant'), 'groq');
  });

  test('GET /v1/models/{id} of a listed id is answered from the union', async () => {
    const counts = () => [openai, groq, claude].map((m) => m.received.length);
    const before = counts();
    const prefixed = await oai.models.retrieve('groq/shared-model');
    assert.deepEqual(prefixed, {
      id: 'groq/shared-model',
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'Meta',
    });
    const claudeModel = await ant.models.retrieve('claude-haiku-4-5');
    assert.equal(claudeModel.display_name, 'Claude Haiku 4.5');
    assert.equal(claudeModel.type, 'model');
    assert.deepEqual(counts(), before, 'no upstream was asked');
  });

  test('an id not on the list goes to the default upstream, as before', async () => {
    const { data, response } = await oai.models.retrieve('gpt-4o-2024-08-06').withResponse();
    assert.equal(data.id, 'gpt-4o-2024-08-06');
    assert.equal(response.headers.get('x-cooldown-upstream'), 'openai');
    assert.equal(openai.received.at(-1)?.path, '/v1/models/gpt-4o-2024-08-06');
  });

  test('x-cooldown-upstream asks that upstream for its own list', async () => {
    const page = await oai.models.list({ headers: { 'x-cooldown-upstream': 'groq' } });
    assert.deepEqual(
      page.data.map((m) => m.id),
      ['llama-3.1-8b-instant', 'shared-model'],
    );
    assert.equal(modelLists(groq).at(-1)?.key, GROQ_KEY);
  });

  test('no upstream key appears in any answer', async () => {
    const answers = [
      await send(gw.url, { path: '/v1/models', headers: { authorization: `Bearer ${CLIENT_KEY}` } }),
      await send(gw.url, {
        path: '/v1/models',
        headers: { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01' },
      }),
      await send(gw.url, { path: '/v1/models/claude-sonnet-4-6' }),
    ];
    for (const res of answers) {
      assert.equal(res.status, 200);
      const text = res.body + JSON.stringify(res.headers);
      for (const key of [OPENAI_KEY, GROQ_KEY, ANTHROPIC_KEY, CLIENT_KEY]) assert.ok(!text.includes(key));
    }
  });
});

describe('upstreams that fail are left out of the union', () => {
  let up: MockUpstream;
  let failing: MockUpstream;
  let gone: MockUpstream;
  let gw: TestGateway;
  const clock = createManualClock();
  const log = captureLog();

  before(async () => {
    up = await startMockUpstream({ models: ['up-model'] });
    failing = await startMockUpstream({ dialect: 'cerebras', models: ['failing-model'] });
    failing.addFault({ path: '/models', fault: { kind: 'status', status: 500 } });
    // An upstream that is down: nothing listens where it was.
    gone = await startMockUpstream({ dialect: 'anthropic' });
    await gone.close();
    gw = await startGateway(
      {
        upstreams: {
          up: { url: up.url, keys: [OPENAI_KEY] },
          failing: { url: failing.url, dialect: 'cerebras', keys: ['csk-failing-upstream-key-0001'] },
          gone: { url: gone.url, dialect: 'anthropic', keys: [ANTHROPIC_KEY] },
        },
      },
      {},
      { clock, log },
    );
  });
  after(async () => {
    await gw.close();
    await Promise.all([up.close(), failing.close()]);
  });

  const listIds = async () => {
    const res = await send(gw.url, { path: '/v1/models' });
    assert.equal(res.status, 200);
    return (JSON.parse(res.body) as { data: Array<{ id: string }> }).data.map((m) => m.id);
  };
  const warnings = () =>
    log
      .lines()
      .filter((l) => l.level === 40)
      .map((l) => l.upstream);

  test('the list holds what answered; each failing upstream is warned about once', async () => {
    assert.deepEqual(await listIds(), ['up/up-model']);
    assert.deepEqual(warnings().sort(), ['failing', 'gone']);
    assert.equal(modelLists(failing).length, 1);

    // Failures are kept for 15 s, lists for 60 s: past the first, only the failing are asked again.
    clock.advance(16_000);
    assert.deepEqual(await listIds(), ['up/up-model']);
    assert.equal(modelLists(failing).length, 2);
    assert.equal(modelLists(up).length, 1);
    assert.deepEqual(warnings().sort(), ['failing', 'gone'], 'no second warning while they keep failing');

    failing.clearFaults();
    clock.advance(16_000);
    assert.deepEqual(await listIds(), ['up/up-model', 'failing/failing-model']);
    assert.ok(log.lines().some((l) => l.msg === 'model list answered again' && l.upstream === 'failing'));
    clock.advance(60_000);
    await listIds();
    assert.equal(modelLists(up).length, 2, 'a minute on, the list is asked for again');
  });

  test('when no upstream answers, the list is a 502 with Retry-After', async () => {
    const lonely = await startMockUpstream({ dialect: 'groq' });
    lonely.addFault({ path: '/models', fault: { kind: 'status', status: 503 } });
    const down = await startGateway({
      upstreams: {
        a: { url: lonely.url, dialect: 'groq', keys: [GROQ_KEY] },
        b: { url: gone.url, keys: [OPENAI_KEY] },
      },
    });
    try {
      const res = await send(down.url, { path: '/v1/models' });
      assert.equal(res.status, 502);
      assert.equal(res.headers['retry-after'], '15');
      assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'upstream_unavailable');
    } finally {
      await down.close();
      await lonely.close();
    }
  });
});

describe('passthrough upstreams are asked with the client credential, kept per credential', () => {
  let both: MockUpstream;
  let onlyFirst: MockUpstream;
  let claude: MockUpstream;
  let gw: TestGateway;
  const FIRST = 'sk-first-client-key-000000000001';
  const SECOND = 'sk-second-client-key-00000000002';

  before(async () => {
    both = await startMockUpstream({ keys: [FIRST, SECOND], models: ['a-model'] });
    onlyFirst = await startMockUpstream({ dialect: 'groq', keys: [FIRST], models: ['b-model'] });
    claude = await startMockUpstream({ dialect: 'anthropic', models: ['claude-x'] });
    gw = await startGateway({
      upstreams: {
        a: { url: both.url },
        b: { url: onlyFirst.url, dialect: 'groq' },
        c: { url: claude.url, dialect: 'anthropic' },
      },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([both.close(), onlyFirst.close(), claude.close()]);
  });

  const ids = async (client: OpenAI) => (await client.models.list()).data.map((m) => m.id);
  const openaiClient = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });

  test("one client's list is never another's", async () => {
    assert.deepEqual(await ids(openaiClient(FIRST)), ['a/a-model', 'b/b-model']);
    assert.deepEqual(await ids(openaiClient(SECOND)), ['a/a-model'], 'b refuses the second key');
    assert.equal(modelLists(onlyFirst).length, 2, 'each credential asked for itself');
    assert.equal(modelLists(both).at(-1)?.key, SECOND);
    // Kept per credential: the first client's list again asks nobody.
    const before = modelLists(both).length + modelLists(onlyFirst).length;
    assert.deepEqual(await ids(openaiClient(FIRST)), ['a/a-model', 'b/b-model']);
    assert.equal(modelLists(both).length + modelLists(onlyFirst).length, before);
  });

  test("a client's credential goes only to upstreams speaking its API", async () => {
    assert.equal(modelLists(claude).length, 0, 'the OpenAI clients above never sent their key to Anthropic');
    const before = [modelLists(both).length, modelLists(onlyFirst).length];
    const ant = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-client-key-0001', maxRetries: 0 });
    const page = await ant.models.list();
    assert.deepEqual(
      page.data.map((m) => m.id),
      ['c/claude-x'],
    );
    assert.equal(modelLists(claude).at(-1)?.key, 'sk-ant-client-key-0001');
    assert.deepEqual([modelLists(both).length, modelLists(onlyFirst).length], before);
  });
});
