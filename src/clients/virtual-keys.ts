// The virtual keys clients are given (`clients.keys`): matched by their SHA-256 digests, so a key may
// be configured as `sha256:<hex>` and never sit in the config in clear, and the comparison is a
// constant-time one of two digests (the time it takes says nothing about the key).
import { timingSafeEqual } from 'node:crypto';
import type { ClientLimitsConfig } from '../config/schema.ts';
import { configuredKeyDigestHex, keyDigest } from './key-digest.ts';

export interface VirtualKey {
  readonly name: string;
  readonly limits: ClientLimitsConfig | undefined;
  /** The key's own daily budget in USD. */
  readonly budgetUsd: number | undefined;
  readonly digest: Buffer;
}

export interface VirtualKeyConfig {
  name: string;
  key: string;
  limits?: ClientLimitsConfig | undefined;
  budget?: number | undefined;
}

export class VirtualKeyRing {
  /** Digest (hex) -> key. */
  readonly #byDigest = new Map<string, VirtualKey>();

  constructor(keys: readonly VirtualKeyConfig[]) {
    for (const k of keys) {
      const hex = configuredKeyDigestHex(k.key);
      const digest = Buffer.from(hex, 'hex');
      this.#byDigest.set(hex, {
        name: k.name,
        limits: k.limits,
        budgetUsd: k.budget,
        digest,
      });
    }
  }

  get size(): number {
    return this.#byDigest.size;
  }

  keys(): IterableIterator<VirtualKey> {
    return this.#byDigest.values();
  }

  /** The virtual key a presented secret is, if any. */
  find(secret: string): VirtualKey | undefined {
    const digest = keyDigest(secret);
    const candidate = this.#byDigest.get(digest.toString('hex'));
    return candidate && timingSafeEqual(candidate.digest, digest) ? candidate : undefined;
  }
}
