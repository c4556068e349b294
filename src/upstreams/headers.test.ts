// Which headers cross the gateway: hop-by-hop ones (and those a Connection header names) never do,
// and with the gateway's own key, neither do the client's credentials or key scope.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dialects } from '../dialects/registry.ts';
import { clientCredentials, incomingHeaders, outgoingHeaders } from './headers.ts';

/** What goes upstream for these client headers (as a name -> value map). */
function sent(raw: string[], key?: string, keyScope: string[] = [], connection?: string) {
  return pairs(
    outgoingHeaders(raw, {
      key,
      keyScope,
      dialect: dialects.openai,
      bodyRebuilt: false,
      identityEncoding: false,
      connection,
    }),
  );
}

const pairs = (flat: string[]) => {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
};

test('headers a Connection header names are hop-by-hop, in both directions', () => {
  const raw = ['Connection', 'keep-alive, X-Secret-Hop', 'X-Secret-Hop', 'v', 'X-Kept', 'k'];
  const out = sent(raw, undefined, [], 'keep-alive, X-Secret-Hop');
  assert.equal(out['x-secret-hop'], undefined);
  assert.equal(out['x-kept'], 'k');
  assert.equal(out.connection, undefined);
  const back = pairs(
    incomingHeaders(
      { connection: 'x-upstream-hop', 'x-upstream-hop': '1', 'content-type': 'application/json' },
      { requestId: 'r', upstreamName: 'u', dropLength: false },
    ),
  );
  assert.equal(back['x-upstream-hop'], undefined);
  assert.equal(back['content-type'], 'application/json');
});

test("with the gateway's key, the client's credentials and key scope stay behind; the key's scope goes", () => {
  const raw = [
    'Authorization',
    'Bearer client',
    'OpenAI-Organization',
    'org-client',
    'OpenAI-Project',
    'p-client',
  ];
  const out = sent(raw, 'sk-gateway', ['openai-organization', 'org-key']);
  assert.equal(out.authorization, 'Bearer sk-gateway');
  assert.equal(out['openai-organization'], 'org-key');
  assert.equal(out['openai-project'], undefined);
  const passthrough = sent(raw);
  assert.equal(passthrough['openai-organization'], 'org-client', "the client's own key, its own scope");
});

test("a client's credentials are its key headers and their scope, nothing else", () => {
  const raw = [
    'Authorization',
    'Bearer sk-client',
    'Content-Type',
    'application/json',
    'OpenAI-Project',
    'proj_1',
    'X-Api-Key',
    'k2',
    'Cookie',
    'c=1',
  ];
  assert.deepEqual(clientCredentials(raw), [
    'authorization',
    'Bearer sk-client',
    'openai-project',
    'proj_1',
    'x-api-key',
    'k2',
  ]);
});
