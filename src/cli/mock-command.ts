// `cooldown mock`: the simulated provider on a port, so the gateway can be tried with no account.

import { DURATION_HINT, formatDuration, parseDuration } from '../config/units.ts';
import { startMockUpstream } from '../mock/mock-upstream.ts';
import type { MockDialect } from '../mock/types.ts';

interface MockOptions {
  host: string;
  port: number;
  dialect: string;
  requests?: number;
  tokens?: number;
  window: string;
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
  const windowMs =
    options.rpm !== undefined || options.tpm !== undefined ? 60_000 : parseDuration(options.window);
  if (windowMs === undefined || windowMs <= 0) {
    process.stderr.write(`cooldown mock: --window ${options.window}: ${DURATION_HINT}\n`);
    process.exit(2);
  }
  const requests = options.requests ?? options.rpm;
  const tokens = options.tokens ?? options.tpm;
  const mock = await startMockUpstream({
    host: options.host,
    port: options.port,
    dialect: options.dialect as MockDialect,
    limits: {
      windowMs,
      ...(requests !== undefined ? { requests } : {}),
      ...(tokens !== undefined ? { tokens } : {}),
    },
    latencyMs: options.latencyMs,
    chunkDelayMs: options.chunkDelayMs,
  });
  const per = `per ${formatDuration(windowMs)} per key`;
  process.stdout.write(
    `mock ${options.dialect} upstream on ${mock.url}` +
      `${requests ? `, ${requests} requests ${per}` : ''}${tokens ? `, ${tokens} tokens ${per}` : ''}\n` +
      `try: OPENAI_API_URL=${mock.url} OPENAI_API_KEY=sk-test npx cooldown\n`,
  );
  const stop = () => {
    mock.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
