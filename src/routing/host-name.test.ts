// Tests for Host header normalization and telling the gateway's own names from REST hosts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostName, isOwnHost } from './host-name.ts';

describe('hostName', () => {
  test('drops the port', () => {
    assert.equal(hostName('api.github.com:443'), 'api.github.com');
    assert.equal(hostName('localhost:8787'), 'localhost');
    assert.equal(hostName('127.0.0.1:8787'), '127.0.0.1');
  });

  test('lower-cases the name', () => {
    assert.equal(hostName('API.GitHub.COM'), 'api.github.com');
  });

  test('drops a trailing dot, with or without a port', () => {
    assert.equal(hostName('api.github.com.'), 'api.github.com');
    assert.equal(hostName('api.github.com.:443'), 'api.github.com');
  });

  test('trims surrounding whitespace', () => {
    assert.equal(hostName('  api.github.com  '), 'api.github.com');
  });

  test('keeps IPv6 brackets and drops the port after them', () => {
    assert.equal(hostName('[::1]:8787'), '[::1]');
    assert.equal(hostName('[::1]'), '[::1]');
    assert.equal(hostName('[2001:DB8::1]:443'), '[2001:db8::1]');
  });

  test('gives an empty name for a missing or empty header', () => {
    assert.equal(hostName(undefined), '');
    assert.equal(hostName(''), '');
  });
});

describe('isOwnHost', () => {
  const none = new Set<string>();

  test('an absent host is the gateway', () => {
    assert.equal(isOwnHost('', none), true);
  });

  test('IP literals are the gateway', () => {
    assert.equal(isOwnHost('127.0.0.1', none), true);
    assert.equal(isOwnHost('192.168.1.20', none), true);
    assert.equal(isOwnHost('[::1]', none), true);
    assert.equal(isOwnHost(hostName('[::1]:8787'), none), true);
  });

  test('localhost and its subdomains are the gateway', () => {
    assert.equal(isOwnHost('localhost', none), true);
    assert.equal(isOwnHost('gateway.localhost', none), true);
  });

  test('a single-label name (a container or machine name) is the gateway', () => {
    assert.equal(isOwnHost('cooldown', none), true);
    assert.equal(isOwnHost('my-laptop', none), true);
  });

  test('a configured name is the gateway', () => {
    assert.equal(isOwnHost('gateway.internal.example.com', new Set(['gateway.internal.example.com'])), true);
  });

  test('public API hosts are not the gateway', () => {
    assert.equal(isOwnHost('api.github.com', none), false);
    assert.equal(isOwnHost('api.github.com', new Set(['gateway.example.com'])), false);
    assert.equal(isOwnHost('api.openai.com', none), false);
  });

  test('a dotted name that only looks like an IP is not the gateway', () => {
    assert.equal(isOwnHost('1.2.3.example.com', none), false);
    assert.equal(isOwnHost('notlocalhost.com', none), false);
  });
});
