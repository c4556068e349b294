// The keys of an upstream, handed out in turn, for calls that take no place in a key pool (no
// reservation: a model list, an upload).
import type { KeyScope } from '../config/load.ts';
import { scopeHeaders } from './headers.ts';

export interface RingKey {
  readonly secret: string;
  /** Header pairs naming what the key acts for (its organization, project). */
  readonly scope: readonly string[];
}

export interface KeyRing {
  readonly size: number;
  /** The next key, or undefined when the upstream has none (client credentials pass through). */
  next(): RingKey | undefined;
}

export function createKeyRing(keys: readonly string[], scopes: readonly KeyScope[]): KeyRing {
  const ring: RingKey[] = keys.map((secret, i) => ({ secret, scope: scopeHeaders(scopes[i]) }));
  let i = 0;
  return {
    size: ring.length,
    next() {
      if (ring.length === 0) return undefined;
      const key = ring[i]!;
      i = (i + 1) % ring.length;
      return key;
    },
  };
}
