// Who is calling: a virtual key when the gateway hands them out, else what `clients.identify_by`
// names (a hash of the client's API key, its address, or a header set by a platform in front).
// The id goes into limit state and the ledger; it is never a key, only a digest or a name.
import type { IncomingMessage } from 'node:http';
import { maskSecret } from '../config/mask.ts';
import type { ClientLimitsConfig, ClientsConfig } from '../config/schema.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { clipped } from '../observe/request-labels.ts';
import { type ClientAddress, clientAddress } from './client-address.ts';
import { keyDigestHex } from './key-digest.ts';
import { type VirtualKey, VirtualKeyRing } from './virtual-keys.ts';

export interface ClientIdentity {
  /** `vk:<name>`, `key:<16 hex of its SHA-256>`, `ip:<address>` or `header:<value>`. */
  readonly id: string;
  /** As /stats shows it: a virtual key's name, a masked key, an address, a header's value. */
  readonly label: string;
  readonly limits: ClientLimitsConfig;
  readonly virtualKey: VirtualKey | undefined;
  /**
   * The request's credential headers hold the virtual key: they are the gateway's and never go
   * upstream. (A key in `x-cooldown-key` leaves them to the client, for a REST API's own token.)
   */
  readonly credentialIsVirtualKey: boolean;
}

export type Identify = (req: IncomingMessage) => ClientIdentity;

/** Header values longer than this name a client by their first part only. */
const HEADER_ID_LIMIT = 128;

/** The secret a request carries: `Authorization: Bearer <it>`, `x-api-key`, `api-key`, `x-goog-api-key`. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const h = req.headers;
  const auth = h.authorization;
  if (typeof auth === 'string' && auth !== '') {
    return auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ' ? auth.slice(7).trim() : auth;
  }
  const other = h['x-api-key'] ?? h['api-key'] ?? h['x-goog-api-key'];
  return typeof other === 'string' && other !== '' ? other : undefined;
}

export function createIdentify(clients: ClientsConfig, trustProxy: boolean | string): Identify {
  const ring = new VirtualKeyRing(clients.keys);
  const address: ClientAddress = clientAddress(trustProxy);
  const defaults = clients.limits;
  const overrides = new Map<string, ClientLimitsConfig>();
  for (const o of clients.overrides) overrides.set(o.match.toLowerCase(), { ...defaults, ...o.limits });
  const limitsOf = (match: string) => (overrides.size === 0 ? defaults : (overrides.get(match) ?? defaults));

  const byAddress = (req: IncomingMessage): ClientIdentity => {
    const ip = address(req);
    return {
      id: `ip:${ip}`,
      label: ip,
      limits: limitsOf(ip),
      virtualKey: undefined,
      credentialIsVirtualKey: false,
    };
  };

  if (ring.size > 0) {
    // Made once per key: a request only looks its identity up.
    const inCredential = new Map<VirtualKey, ClientIdentity>();
    const beside = new Map<VirtualKey, ClientIdentity>();
    for (const key of ring.keys()) {
      const identity = {
        id: `vk:${key.name}`,
        label: key.name,
        limits: key.limits ? { ...defaults, ...key.limits } : limitsOf(key.name),
        virtualKey: key,
      };
      inCredential.set(key, { ...identity, credentialIsVirtualKey: true });
      beside.set(key, { ...identity, credentialIsVirtualKey: false });
    }
    return (req) => {
      const own = req.headers['x-cooldown-key'];
      const separate = typeof own === 'string' && own !== '' ? own : undefined;
      const secret = separate ?? presentedKey(req);
      if (secret === undefined) {
        throw new GatewayError(
          'unauthorized',
          'This gateway needs a key of its own: send it as "Authorization: Bearer <key>", "x-api-key: <key>" or "x-cooldown-key: <key>".',
        );
      }
      const key = ring.find(secret);
      if (!key) throw new GatewayError('unauthorized', 'The key sent is not a key of this gateway.');
      return separate === undefined ? inCredential.get(key)! : beside.get(key)!;
    };
  }
  const by = clients.identify_by;
  if (by === 'ip') return byAddress;
  if (by === 'api_key') {
    return (req) => {
      const secret = presentedKey(req);
      // A client that sends no key is known by its address.
      if (secret === undefined) return byAddress(req);
      const digest = keyDigestHex(secret);
      return {
        id: `key:${digest.slice(0, 16)}`,
        label: maskSecret(secret),
        limits: limitsOf(`sha256:${digest}`),
        virtualKey: undefined,
        credentialIsVirtualKey: false,
      };
    };
  }
  const header = by.slice('header:'.length);
  return (req) => {
    const value = req.headers[header];
    if (typeof value !== 'string' || value === '') return byAddress(req);
    const name = clipped(value, HEADER_ID_LIMIT);
    return {
      id: `header:${name}`,
      label: name,
      limits: limitsOf(name.toLowerCase()),
      virtualKey: undefined,
      credentialIsVirtualKey: false,
    };
  };
}
