import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { keyDigestHex } from '../clients/key-digest.ts';
import { runKeysNew } from './keys-command.ts';

/** Runs `keys new` into a string: the key, the note and the config line. */
function keysNew(name: string): { key: string; note: string; line: string } {
  let text = '';
  runKeysNew(name, { write: (chunk: string) => (text += chunk) });
  const lines = text.split('\n');
  assert.equal(lines.length, 4, text);
  assert.equal(lines[3], '', 'ends with a newline');
  const key = /^key: (.*)$/.exec(lines[0]!)?.[1];
  assert.ok(key, lines[0]);
  return { key, note: lines[1]!, line: lines[2]! };
}

test('a key is ck- and 32 random bytes in base64url, with its SHA-256 in the config line', () => {
  const { key, note, line } = keysNew('alice');
  assert.match(key, /^ck-[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(key.slice(3), 'base64url').length, 32);
  assert.match(note, /shown only once/);
  assert.match(note, /clients\.keys/);
  assert.equal(line, `- { name: alice, key: "sha256:${keyDigestHex(key)}" }`);
  assert.deepEqual(parse(line), [{ name: 'alice', key: `sha256:${keyDigestHex(key)}` }]);
});

test('every call makes a different key', () => {
  const first = keysNew('alice').key;
  const second = keysNew('alice').key;
  assert.notEqual(first, second);
});

test('a name YAML would read as a number or boolean is quoted, so it stays a string', () => {
  for (const name of ['123', 'true', 'null', '1e3', '.inf']) {
    const [entry] = parse(keysNew(name).line) as [{ name: unknown }];
    assert.equal(entry.name, name);
  }
});

test('a name outside 1-64 of A-Z a-z 0-9 _ . - is refused', () => {
  for (const bad of ['', 'bad name', 'a'.repeat(65), 'é', 'a:b']) {
    assert.throws(
      () => runKeysNew(bad, { write: () => assert.fail('nothing is printed') }),
      /invalid client name/,
    );
  }
  assert.doesNotThrow(() => runKeysNew('a'.repeat(64), { write: () => true }));
});
