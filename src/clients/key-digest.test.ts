import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { keyDigestHex } from './key-digest.ts';

test('the digest is SHA-256 of the key in hex', () => {
  // The FIPS 180-2 test vector.
  assert.equal(keyDigestHex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('a key is hashed as its UTF-8 bytes', () => {
  const utf8 = createHash('sha256')
    .update(Buffer.from([0xc3, 0xa9]))
    .digest('hex');
  assert.equal(keyDigestHex('é'), utf8);
  assert.notEqual(
    keyDigestHex('é'),
    createHash('sha256')
      .update(Buffer.from([0xe9]))
      .digest('hex'),
  );
});
