// The model catalog against a real mock upstream: the time bound runs on the injected clock, the
// size bound cuts a huge list, and the lists kept per client credential are bounded in number.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogOutput } from '../../src/log/logger.ts';
import { createManualClock } from '../../src/time/clock.ts';
import { ModelCatalog } from '../../src/upstreams/model-catalog.ts';
import { createUpstreamSet, type Upstream, type UpstreamSet } from '../../src/upstreams/upstream.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

describe('ModelCatalog', () => {
  let mock: MockUpstream;
  let set: UpstreamSet;
  let upstream: Upstream;
  const clock = createManualClock();
  const logger = silentLogOutput().logger;
  const bearer = (key: string) => ['Authorization', `Bearer ${key}`];

  before(async () => {
    mock = await startMockUpstream({ models: Array.from({ length: 50 }, (_, i) => `model-${i}`) });
    const config = loadConfig({
      tree: { upstreams: { a: { url: mock.url } } },
      env: {},
      cwd: '/nonexistent',
    });
    set = createUpstreamSet(config, { ambientProxy: false, clock, shaping: true });
    upstream = set.byName.get('a')!;
  });
  after(async () => {
    await set.close();
    await mock.close();
  });

  test('an upstream that sends no answer is given up on when the clock says the time is over', async () => {
    const catalog = new ModelCatalog({ clock, logger, timeoutMs: 5_000 });
    mock.addFault({ path: '/models', fault: { kind: 'hang' }, times: 1 });
    const asked = catalog.lists([upstream], bearer('k-hang'), 'openai');
    await mock.waitForRequests(1);
    clock.advance(5_000);
    assert.deepEqual(await asked, { lists: [], failed: 1 });
    await mock.waitForClose(mock.received.at(-1)!.id);
    assert.equal(mock.received.at(-1)?.closedEarly, true, 'the request was cut off');
  });

  test('a list larger than the bound is left out', async () => {
    const catalog = new ModelCatalog({ clock, logger, maxBytes: 512 });
    assert.deepEqual(await catalog.lists([upstream], bearer('k-big'), 'openai'), { lists: [], failed: 1 });
    const roomy = new ModelCatalog({ clock, logger });
    const { lists } = await roomy.lists([upstream], bearer('k-big'), 'openai');
    assert.equal(lists[0]?.models.length, 50);
  });

  test('lists kept per client credential are bounded; the oldest goes first', async () => {
    const catalog = new ModelCatalog({ clock, logger, maxEntries: 2 });
    const asks = () => mock.received.filter((r) => r.route === 'models').length;
    for (const key of ['k1', 'k2', 'k3']) await catalog.lists([upstream], bearer(key), 'openai');
    assert.equal(catalog.size, 2);
    const before = asks();
    await catalog.lists([upstream], bearer('k3'), 'openai');
    assert.equal(asks(), before, 'k3 is kept');
    await catalog.lists([upstream], bearer('k1'), 'openai');
    assert.equal(asks(), before + 1, 'k1 was let go');
  });

  test('callers asking at once share one request', async () => {
    const catalog = new ModelCatalog({ clock, logger });
    const before = mock.received.length;
    const answers = await Promise.all(
      [1, 2, 3].map(() => catalog.lists([upstream], bearer('k-same'), 'openai')),
    );
    assert.equal(mock.received.length, before + 1);
    for (const a of answers) assert.equal(a.lists[0]?.models.length, 50);
  });
});
