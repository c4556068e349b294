// The undici dispatcher behind an upstream: a keep-alive pool per origin, or a proxy agent.
import { Agent, type Dispatcher, EnvHttpProxyAgent, Pool, ProxyAgent } from 'undici';

export interface DispatcherOptions {
  /** Fixed origin (`https://api.openai.com`); absent for host routes, where the Host names the origin. */
  origin?: string;
  connections: number;
  connectTimeoutMs: number;
  /** Explicit outbound proxy (`outbound_proxy`, `PROXY_URL`). */
  proxy?: string | undefined;
  /** Conventional HTTP(S)_PROXY variables are set: use them, honouring NO_PROXY. */
  ambientProxy?: boolean;
}

// Providers keep idle connections for about a minute; reusing them saves a TLS handshake per call.
const KEEP_ALIVE_MS = 30_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const common = {
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    keepAliveTimeout: KEEP_ALIVE_MS,
  };
  if (options.proxy) return new ProxyAgent({ ...common, uri: options.proxy });
  if (options.ambientProxy) return new EnvHttpProxyAgent(common);
  if (options.origin) return new Pool(options.origin, common);
  return new Agent(common);
}
