// What the demo runs in-process: the simulated provider with its hidden limits, and a gateway in front of
// it that is given the keys and nothing else (it learns the limits from the provider's headers).
import { loadConfig } from '../config/load.ts';
import { createGateway, type Gateway } from '../gateway.ts';
import { silentLogOutput } from '../log/logger.ts';
import { type MockUpstream, startMockUpstream } from '../mock/mock-upstream.ts';
import type { DemoScenario } from './scenario.ts';

export interface DemoStack {
  readonly mock: MockUpstream;
  readonly gateway: Gateway;
  readonly gatewayUrl: string;
  close(): Promise<void>;
}

/** The gateway's config, as a YAML file would give it: one upstream with a pool of keys, no limits. */
export function gatewayTree(mockUrl: string, scenario: DemoScenario): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0 },
    // The demo's spend is the simulator's: nothing is written to the user's state file.
    store: { sqlite: ':memory:' },
    upstreams: {
      openai: {
        url: mockUrl,
        dialect: 'openai',
        keys: [...scenario.keys],
        // Every caller waits its turn: the queue holds them all, for as long as the whole run could take.
        queue: { max_size: Math.max(1000, scenario.clients * 2), timeout: '10m' },
      },
    },
  };
}

export async function startDemoStack(scenario: DemoScenario): Promise<DemoStack> {
  const mock = await startMockUpstream({
    dialect: 'openai',
    keys: [...scenario.keys],
    limits: { ...scenario.limits },
    latencyMs: scenario.latencyMs,
    chunkDelayMs: scenario.chunkDelayMs,
  });
  try {
    // No env and no cwd: the user's provider keys and cooldown.yaml stay out of the demo.
    const config = loadConfig({ tree: gatewayTree(mock.url, scenario), env: {}, cwd: '/nonexistent' });
    const gateway = createGateway({ config, log: silentLogOutput(), env: {} });
    const gatewayUrl = await gateway.listen();
    return {
      mock,
      gateway,
      gatewayUrl,
      async close() {
        await gateway.close();
        await mock.close();
      },
    };
  } catch (error) {
    await mock.close();
    throw error;
  }
}
