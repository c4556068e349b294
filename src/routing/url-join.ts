// Where a client's path goes on an upstream: a base path replaces the client's leading `/v1`.

export interface UpstreamBase {
  /** `https://api.groq.com` */
  readonly origin: string;
  /** `/openai/v1`, or '' when the URL has no path. */
  readonly basePath: string;
}

export function parseUpstreamBase(url: string): UpstreamBase {
  const u = new URL(url);
  const basePath = u.pathname.replace(/\/+$/, '');
  return { origin: u.origin, basePath };
}

/**
 * `https://api.groq.com/openai/v1` + `/v1/chat/completions` -> `/openai/v1/chat/completions`;
 * `https://api.anthropic.com` + `/v1/messages` -> `/v1/messages`. The query string is kept as is.
 */
export function joinUpstreamPath(base: UpstreamBase, clientPath: string): string {
  if (base.basePath === '') return clientPath;
  if (clientPath === '/v1' || clientPath.startsWith('/v1/') || clientPath.startsWith('/v1?')) {
    return base.basePath + clientPath.slice(3);
  }
  return base.basePath + clientPath;
}
