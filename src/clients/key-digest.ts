// The digest a config's `sha256:` client key holds: the gateway matches a presented key by it, so a
// config file never needs the key itself.
import { createHash } from 'node:crypto';

/** SHA-256 of the key's UTF-8 bytes, as 64 lowercase hex digits. */
export function keyDigestHex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
