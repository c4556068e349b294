// The demo from start to finish on a running stack: what is about to happen, the two phases with live
// progress, then the table and what it means.
import { type PhaseResult, runPhase } from './phase.ts';
import type { ProgressOutput } from './progress.ts';
import { renderTable, summarize } from './report.ts';
import type { DemoScenario } from './scenario.ts';
import type { DemoStack } from './stack.ts';

export interface DemoResult {
  readonly scenario: {
    readonly keys: number;
    readonly clients: number;
    readonly requests: number;
    readonly streamed: number;
    readonly limits: DemoScenario['limits'];
  };
  readonly direct: PhaseResult;
  readonly gateway: PhaseResult;
  readonly summary: string;
}

// The callers' own key in the gateway phase: anything works, the gateway sends one from its pool.
const ANY_KEY = 'sk-any-key-the-gateway-replaces';

export function describeScenario(scenario: DemoScenario, stack: DemoStack): string {
  const { limits, keys, clients, workload } = scenario;
  const streamed = workload.filter((r) => r.stream).length;
  const window = `${limits.windowMs / 1000} s`;
  return [
    `Cooldown demo, offline: a simulated OpenAI-style provider with ${keys.length} keys, each allowed ${limits.requests} requests`,
    `and ${limits.tokens} tokens per ${window} window. The limits are hidden: the provider reports them only in its`,
    `rate-limit headers, as real ones do. ${clients} callers send the same ${workload.length} chat requests (mixed sizes,`,
    `${streamed} streamed) with the official openai SDK and its default retries, twice:`,
    `  1. SDK alone:        straight to the provider (${stack.mock.url}), each caller holding one key;`,
    `  2. through Cooldown: to ${stack.gatewayUrl}, which pools the ${keys.length} keys and is told no limits.`,
    `Dashboard: ${stack.gatewayUrl}/dashboard`,
    '',
  ].join('\n');
}

export async function runDemo(
  scenario: DemoScenario,
  stack: DemoStack,
  out: ProgressOutput,
): Promise<DemoResult> {
  out.write(`${describeScenario(scenario, stack)}\n`);
  const direct = await runPhase({
    label: 'SDK alone',
    baseURL: `${stack.mock.url}/v1`,
    callerKeys: scenario.keys,
    scenario,
    mock: stack.mock,
    out,
  });
  const gateway = await runPhase({
    label: 'through Cooldown',
    baseURL: `${stack.gatewayUrl}/v1`,
    callerKeys: [ANY_KEY],
    scenario,
    mock: stack.mock,
    out,
  });
  const summary = summarize(direct, gateway);
  out.write(`\n${renderTable([direct, gateway])}\n\n${summary}\n`);
  return {
    scenario: {
      keys: scenario.keys.length,
      clients: scenario.clients,
      requests: scenario.workload.length,
      streamed: scenario.workload.filter((r) => r.stream).length,
      limits: scenario.limits,
    },
    direct,
    gateway,
    summary,
  };
}
