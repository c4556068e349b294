// `cooldown keys new NAME`: a fresh virtual key for a client, and the config line that admits it.
// The line holds only the key's digest, so the key itself is printed this once and stored nowhere.
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { CLIENT_NAME_RULE, isClientName } from '../clients/client-name.ts';
import { keyDigestHex } from '../clients/key-digest.ts';

export const VIRTUAL_KEY_PREFIX = 'ck-';

/** 256 bits: far past guessing, and 43 base64url characters. */
const KEY_BYTES = 32;

export interface TextOut {
  write(text: string): unknown;
}

export function runKeysNew(name: string, out: TextOut = process.stdout): void {
  if (!isClientName(name)) throw new Error(`invalid client name "${name}": expected ${CLIENT_NAME_RULE}`);
  const key = `${VIRTUAL_KEY_PREFIX}${randomBytes(KEY_BYTES).toString('base64url')}`;
  out.write(
    `key: ${key}\n` +
      'This key is shown only once; the config keeps only its hash. Add this line under clients.keys:\n' +
      `- { name: ${yamlName(name)}, key: "sha256:${keyDigestHex(key)}" }\n`,
  );
}

/** The name as YAML reads it back: quoted when plain it would be a number, a boolean or null (`123`, `true`). */
function yamlName(name: string): string {
  return parse(name) === name ? name : JSON.stringify(name);
}
