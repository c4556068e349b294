// The client's address: the socket's, or with `server.trust_proxy` the one a trusted proxy in front
// names in `X-Forwarded-For` (fastify's own rule, through the same library).
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from '@fastify/proxy-addr';

export type ClientAddress = (req: IncomingMessage) => string;

/** `trust`: false (the socket), true (any proxy), or a comma list of addresses, CIDRs, `loopback`. */
export function clientAddress(trust: boolean | string): ClientAddress {
  if (trust === false) return (req) => req.socket.remoteAddress ?? 'unknown';
  const trusted =
    trust === true
      ? () => true
      : proxyaddr.compile(
          trust
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        );
  return (req) => {
    const address = proxyaddr(req, trusted);
    // A forwarded value that is no address (or a huge one) names nobody: the socket's counts.
    return address.length <= 64 && isIP(address) !== 0 ? address : (req.socket.remoteAddress ?? 'unknown');
  };
}
