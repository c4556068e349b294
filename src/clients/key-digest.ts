// How a client's key is named in state, logs and config without being there: its SHA-256 digest.
// A config's `sha256:` client key holds it, so a config file never needs the key itself.
import { hash } from 'node:crypto';

/** SHA-256 of the key's UTF-8 bytes. */
export function keyDigest(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** SHA-256 of the key's UTF-8 bytes, as 64 lowercase hex digits. */
export function keyDigestHex(key: string): string {
  return hash('sha256', key, 'hex');
}

const HASHED = /^sha256:([0-9a-f]{64})$/i;

/** The digest (lowercase hex) a configured key stands for: given as `sha256:<hex>`, or in clear. */
export function configuredKeyDigestHex(key: string): string {
  const hashed = HASHED.exec(key);
  return hashed ? hashed[1]!.toLowerCase() : keyDigestHex(key);
}
