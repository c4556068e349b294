// Tests for host routes: exact names first, then the longest `*.` wildcard at a dot boundary.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HostRouteConfig } from '../config/schema.ts';
import { createHostRouter } from './host-routes.ts';

function route(match: string, upstream: string): HostRouteConfig {
  return { match, upstream };
}

describe('createHostRouter', () => {
  test('matches an exact host name', () => {
    const router = createHostRouter([route('api.github.com', 'github')]);
    assert.equal(router.match('api.github.com')?.upstream, 'github');
    assert.equal(router.match('github.com'), undefined);
    assert.equal(router.match('uploads.api.github.com'), undefined);
  });

  test('an exact name beats a wildcard that also matches, whatever the order', () => {
    const router = createHostRouter([route('*.example.com', 'wild'), route('api.example.com', 'exact')]);
    assert.equal(router.match('api.example.com')?.upstream, 'exact');
    assert.equal(router.match('www.example.com')?.upstream, 'wild');
  });

  test('a wildcard matches one or more labels below its domain', () => {
    const router = createHostRouter([route('*.example.com', 'wild')]);
    assert.equal(router.match('api.example.com')?.upstream, 'wild');
    assert.equal(router.match('a.b.example.com')?.upstream, 'wild');
  });

  test('a wildcard does not match its bare domain or a name that merely ends the same', () => {
    const router = createHostRouter([route('*.example.com', 'wild')]);
    assert.equal(router.match('example.com'), undefined);
    assert.equal(router.match('badexample.com'), undefined);
    assert.equal(router.match('example.com.evil.net'), undefined);
  });

  test('the longest matching wildcard wins, whatever the order', () => {
    const routes = [route('*.example.com', 'short'), route('*.api.example.com', 'long')];
    for (const order of [routes, [...routes].reverse()]) {
      const router = createHostRouter(order);
      assert.equal(router.match('v1.api.example.com')?.upstream, 'long');
      assert.equal(router.match('api.example.com')?.upstream, 'short');
      assert.equal(router.match('www.example.com')?.upstream, 'short');
    }
  });

  test('the first of two routes for the same exact name wins', () => {
    const router = createHostRouter([route('api.github.com', 'first'), route('api.github.com', 'second')]);
    assert.equal(router.match('api.github.com')?.upstream, 'first');
  });

  test('returns the whole route, limits included', () => {
    const limited: HostRouteConfig = {
      match: 'api.github.com',
      limits: { rate: { count: 10, perMs: 1000 } },
    };
    assert.equal(createHostRouter([limited]).match('api.github.com'), limited);
  });

  test('matches nothing without routes', () => {
    assert.equal(createHostRouter([]).match('api.github.com'), undefined);
    assert.equal(createHostRouter([]).match(''), undefined);
  });
});
