// The host name in a Host header: lower-cased, port and trailing dot dropped, IPv6 brackets kept.

export function hostName(header: string | undefined): string {
  if (!header) return '';
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Whether a request is addressed to the gateway itself rather than to a REST host: no Host, an IP
 * literal, `localhost`, a single-label name (a container or machine name), or a configured name.
 * Public API hosts always have dots, so they are never mistaken for the gateway.
 */
export function isOwnHost(host: string, ownNames: ReadonlySet<string>): boolean {
  if (host === '' || ownNames.has(host)) return true;
  if (host.startsWith('[') || IPV4.test(host)) return true;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return !host.includes('.');
}
