// What each load-test request is: the endpoint, headers and body of the plan's dialect.
import { version } from '../server/admin-routes.ts';
import type { LoadPlan } from './plan.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
/** The mock upstream's header asking for a fault (see src/mock/faults.ts). */
export const MOCK_FAULT_HEADER = 'x-mock-fault';
/** The gateway's request priority header (`high|normal|low`). */
export const PRIORITY_HEADER = 'x-cooldown-priority';

export interface Workload {
  readonly path: string;
  /** The headers of a request; `faulted` ones also ask the mock for the scenario's fault. */
  headers(faulted: boolean): Readonly<Record<string, string>>;
  /** The JSON body of request number `index` (from 0). */
  body(index: number): string;
}

/**
 * Each prompt names its request number, so no two bodies are equal: a response cache in the path
 * answers none of them, and the run measures the upstream, not the cache.
 */
export function promptOf(index: number): string {
  return `Load test request ${index + 1}: reply with one short sentence.`;
}

function credentials(plan: LoadPlan): Record<string, string> {
  return plan.dialect === 'anthropic'
    ? { 'x-api-key': plan.key, 'anthropic-version': ANTHROPIC_VERSION }
    : { authorization: `Bearer ${plan.key}` };
}

export function createWorkload(plan: LoadPlan): Workload {
  const plain: Record<string, string> = {
    'content-type': 'application/json',
    accept: plan.stream ? 'text/event-stream' : 'application/json',
    'user-agent': `cooldown-loadtest/${version}`,
    ...credentials(plan),
  };
  // The fault travels with its request, so a gateway's retries of it fail too. At low priority they
  // wait behind the healthy requests, which are then the ones to probe an open breaker: without
  // it, the faulted retries would be the probes, and a breaker would stay open for the whole run.
  const faulted = plan.fault
    ? { ...plain, [MOCK_FAULT_HEADER]: plan.fault.header, [PRIORITY_HEADER]: 'low' }
    : plain;
  return {
    path: plan.path,
    headers: (withFault) => (withFault ? faulted : plain),
    body(index) {
      const messages = [{ role: 'user', content: promptOf(index) }];
      if (plan.dialect === 'anthropic')
        return JSON.stringify({
          model: plan.model,
          max_tokens: plan.maxTokens,
          messages,
          ...(plan.stream ? { stream: true } : {}),
        });
      return JSON.stringify({
        model: plan.model,
        messages,
        max_tokens: plan.maxTokens,
        // Without it an OpenAI stream carries no usage, and tokens/s could not be told.
        ...(plan.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
    },
  };
}
