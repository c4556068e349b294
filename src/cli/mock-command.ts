// `cooldown mock`: the simulated provider on a port, so the gateway can be tried with no account.

import { startMockUpstream } from '../mock/mock-upstream.ts';
import type { MockDialect } from '../mock/types.ts';

interface MockOptions {
  host: string;
  port: number;
  dialect: string;
  rpm?: number;
  tpm?: number;
  latencyMs: number;
  chunkDelayMs: number;
}

const DIALECTS: readonly MockDialect[] = ['openai', 'anthropic', 'cerebras', 'groq', 'nvidia'];

export async function runMock(options: MockOptions): Promise<void> {
  if (!DIALECTS.includes(options.dialect as MockDialect)) {
    process.stderr.write(`cooldown mock: --dialect must be one of ${DIALECTS.join(', ')}\n`);
    process.exit(2);
  }
  const mock = await startMockUpstream({
    host: options.host,
    port: options.port,
    dialect: options.dialect as MockDialect,
    limits: {
      ...(options.rpm !== undefined ? { requests: options.rpm } : {}),
      ...(options.tpm !== undefined ? { tokens: options.tpm } : {}),
    },
    latencyMs: options.latencyMs,
    chunkDelayMs: options.chunkDelayMs,
  });
  process.stdout.write(
    `mock ${options.dialect} upstream on ${mock.url}` +
      `${options.rpm ? `, ${options.rpm} requests/min per key` : ''}${options.tpm ? `, ${options.tpm} tokens/min per key` : ''}\n` +
      `try: OPENAI_API_URL=${mock.url} OPENAI_API_KEY=sk-test npx cooldown\n`,
  );
  const stop = () => {
    mock.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
