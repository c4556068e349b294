// Starts a real gateway on 127.0.0.1:0 from a config tree, for integration tests.

import pino from 'pino';
import type { Env } from '../../src/config/expand.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.ts';
import { type LogOutput, silentLogOutput } from '../../src/log/logger.ts';

export interface TestGateway {
  readonly url: string;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

/** `tree` is a config as YAML would give it; the port is always ephemeral, the logger silent. */
export async function startGateway(
  tree: Record<string, unknown> = {},
  env: Env = {},
  deps: Pick<GatewayDeps, 'random' | 'log' | 'clock'> = {},
): Promise<TestGateway> {
  const server = { ...(tree.server as Record<string, unknown> | undefined), host: '127.0.0.1', port: 0 };
  // Nothing kept between tests unless a test names a file.
  const store = { sqlite: ':memory:', ...(tree.store as Record<string, unknown> | undefined) };
  // The response cache would answer the repeats most tests send on purpose: on where a test says so.
  const cache = { enabled: false, ...(tree.cache as Record<string, unknown> | undefined) };
  const config = loadConfig({ tree: { ...tree, server, store, cache }, env, cwd: '/nonexistent' });
  const gateway = createGateway({ config, log: silentLogOutput(), env, ...deps });
  const url = await gateway.listen();
  return { url, gateway, close: () => gateway.close() };
}

/** A config whose `openai` and `anthropic` upstreams both point at one mock. */
export function mockConfig(mockUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    upstreams: {
      openai: { url: mockUrl, keys: ['sk-upstream-openai-key-0001'] },
      anthropic: { url: mockUrl, dialect: 'anthropic', keys: ['sk-ant-upstream-key-0001'] },
    },
    ...extra,
  };
}

/** A log output that keeps every line (events and the request log), parsed, for assertions. */
export function captureLog(): LogOutput & { lines(): Record<string, unknown>[] } {
  const raw: string[] = [];
  const write = (text: string) => {
    for (const line of text.split('\n')) if (line !== '') raw.push(line);
  };
  return {
    logger: pino({ level: 'info', base: undefined }, { write }),
    writeLine: write,
    flush() {},
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
