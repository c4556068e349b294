// Which fault, if any, a request gets: the `x-mock-fault` header first, then the rules in insertion order.
import type { Fault, FaultRule } from './types.ts';

/** Faults that only change how a body is written, after a normal answer was chosen. */
export type WriteFault = Extract<
  Fault,
  {
    kind:
      | 'drop-mid-stream'
      | 'stall-mid-stream'
      | 'malformed-chunk'
      | 'no-terminator'
      | 'error-event'
      | 'truncated-event'
      | 'slow-first-token';
  }
>;

export function isWriteFault(fault: Fault): fault is WriteFault {
  return (
    fault.kind === 'drop-mid-stream' ||
    fault.kind === 'stall-mid-stream' ||
    fault.kind === 'malformed-chunk' ||
    fault.kind === 'no-terminator' ||
    fault.kind === 'error-event' ||
    fault.kind === 'truncated-event' ||
    fault.kind === 'slow-first-token'
  );
}

/**
 * Parses `x-mock-fault`: `status=500`, `reset`, `hang`, `no-terminator`, `slow-first-token=MS`, or a
 * stream fault with an optional chunk count (`drop-mid-stream`, `drop-mid-stream=3`, `error-event=1`,
 * `truncated-event=2`). Unknown values are ignored.
 */
export function parseFaultHeader(value: string): Fault | undefined {
  const eq = value.indexOf('=');
  const kind = (eq === -1 ? value : value.slice(0, eq)).trim();
  const arg = eq === -1 ? undefined : Number(value.slice(eq + 1).trim());
  const count = arg !== undefined && Number.isInteger(arg) && arg >= 0 ? arg : undefined;
  switch (kind) {
    case 'status':
      return count !== undefined && count >= 100 && count <= 999
        ? { kind: 'status', status: count }
        : undefined;
    case 'reset':
    case 'hang':
    case 'no-terminator':
      return { kind };
    case 'slow-first-token':
      return count === undefined ? undefined : { kind, delayMs: count };
    case 'drop-mid-stream':
    case 'stall-mid-stream':
    case 'malformed-chunk':
    case 'error-event':
    case 'truncated-event':
      return count === undefined ? { kind } : { kind, afterChunks: count };
    default:
      return undefined;
  }
}

/** What a rule can match on. */
export interface FaultTarget {
  key: string | undefined;
  path: string;
  model: string | undefined;
}

export interface FaultRules {
  add(rule: FaultRule): void;
  clear(): void;
  /** The first matching rule's fault, counting down its `times`. */
  take(target: FaultTarget): Fault | undefined;
}

export function createFaultRules(): FaultRules {
  let rules: FaultRule[] = [];
  return {
    add(rule) {
      // A copy, so counting down `times` never edits the caller's object.
      if (rule.times === undefined || rule.times > 0) rules.push({ ...rule });
    },
    clear() {
      rules = [];
    },
    take(target) {
      if (rules.length === 0) return undefined;
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        if (rule.key !== undefined && rule.key !== target.key) continue;
        if (rule.path !== undefined && !target.path.includes(rule.path)) continue;
        if (rule.model !== undefined && rule.model !== target.model) continue;
        if (rule.times !== undefined) {
          rule.times--;
          if (rule.times <= 0) rules.splice(i, 1);
        }
        return rule.fault;
      }
      return undefined;
    },
  };
}
