// The keys of an upstream, handed out in turn. (Load-aware balancing arrives with key pools.)

export interface KeyRing {
  readonly size: number;
  /** The next key, or undefined when the upstream has none (client credentials pass through). */
  next(): string | undefined;
}

export function createKeyRing(keys: readonly string[]): KeyRing {
  let i = 0;
  return {
    size: keys.length,
    next() {
      if (keys.length === 0) return undefined;
      const key = keys[i]!;
      i = (i + 1) % keys.length;
      return key;
    },
  };
}
