// Whether a key the upstream refused (401, or a 403 naming the key) is itself bad, asked with a
// request of the gateway's own that carries nothing from any client: the dialect's key check
// (`GET /v1/models`) with just the key and its scope. A client cannot make a good key leave the
// pool by sending something the provider refuses. One check per key at a time; a key found good
// is not asked about again for a minute.
import type { Dispatcher } from 'undici';
import type { Dialect } from '../dialects/types.ts';
import { joinUpstreamPath, type UpstreamBase } from '../routing/url-join.ts';
import type { Clock } from '../time/clock.ts';
import { ownCallHeaders } from './headers.ts';
import type { PooledKey } from './key-pool.ts';

/** 'unknown': the check could not tell (no check for this dialect, the upstream failing). */
export type KeyVerdict = 'bad' | 'good' | 'unknown';

const TRUST_GOOD_MS = 60_000;
const CHECK_TIMEOUT_MS = 10_000;

export interface KeyCheckTarget {
  readonly dialect: Dialect;
  readonly base: UpstreamBase | undefined;
  readonly dispatcher: Dispatcher;
}

export class KeyCheck {
  readonly #target: KeyCheckTarget;
  readonly #clock: Clock;
  readonly #pending = new WeakMap<PooledKey, Promise<KeyVerdict>>();
  readonly #goodUntil = new WeakMap<PooledKey, number>();

  constructor(target: KeyCheckTarget, clock: Clock) {
    this.#target = target;
    this.#clock = clock;
  }

  check(key: PooledKey): Promise<KeyVerdict> {
    if ((this.#goodUntil.get(key) ?? 0) > this.#clock.monotonic()) return Promise.resolve('good');
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const asked = this.#ask(key).then((verdict) => {
      this.#pending.delete(key);
      if (verdict === 'good') this.#goodUntil.set(key, this.#clock.monotonic() + TRUST_GOOD_MS);
      return verdict;
    });
    this.#pending.set(key, asked);
    return asked;
  }

  async #ask(key: PooledKey): Promise<KeyVerdict> {
    const { dialect, base, dispatcher } = this.#target;
    const spec = dialect.keyCheck;
    if (!spec || !base || key.secret === undefined) return 'unknown';
    const headers = ownCallHeaders(dialect, { secret: key.secret, scope: key.scope });
    try {
      const res = await dispatcher.request({
        origin: base.origin,
        path: joinUpstreamPath(base, spec.path),
        method: 'GET',
        headers,
        headersTimeout: CHECK_TIMEOUT_MS,
        bodyTimeout: CHECK_TIMEOUT_MS,
      });
      await res.body.dump({ limit: 64 * 1024 });
      if (res.statusCode === 401 || res.statusCode === 403) return 'bad';
      return res.statusCode < 300 ? 'good' : 'unknown';
    } catch {
      return 'unknown';
    }
  }
}
