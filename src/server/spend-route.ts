// GET /spend?scope=&period=&at=: the ledger summed over one budget period, whole or per client,
// upstream or model. Read from the store's ledger (the durable record), not from the counters.
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BudgetPeriod, PeriodCalendar } from '../spend/budget-period.ts';
import type { SpendRow, StateStore } from '../store/state-store.ts';
import type { Clock } from '../time/clock.ts';

const SCOPES = ['global', 'client', 'upstream', 'model'] as const;
const PERIODS: readonly BudgetPeriod[] = ['hourly', 'daily', 'weekly', 'monthly'];
/** Instants past this are refused rather than given to the calendar (which works in years 1970-9999). */
const LATEST = Date.UTC(10000, 0, 1);

export interface SpendRouteDeps {
  store: StateStore;
  /** The current budgets' calendar (`budgets_timezone`). */
  calendar: () => PeriodCalendar;
  clock: Clock;
  adminOnly: onRequestHookHandler;
}

function pick<T extends string>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new GatewayError('invalid_request', `${name} must be one of ${allowed.join(', ')}.`, { param: name });
}

function instant(value: unknown, now: number): number {
  if (value === undefined) return now;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms) || ms < 0 || ms >= LATEST)
    throw new GatewayError('invalid_request', 'at must be an ISO date or time from 1970 to 9999.', {
      param: 'at',
    });
  return ms;
}

export function registerSpendRoute(app: FastifyInstance, deps: SpendRouteDeps): void {
  app.get('/spend', { onRequest: deps.adminOnly }, async (request: FastifyRequest) => {
    const q = request.query as Record<string, unknown>;
    const scope = pick(q.scope, SCOPES, 'scope', 'global');
    const period = pick(q.period, PERIODS, 'period', 'daily');
    const calendar = deps.calendar();
    const span = calendar.span(period, instant(q.at, deps.clock.now()));
    const rows = await deps.store.spend({
      from: span.start,
      to: span.end,
      groupBy: scope === 'global' ? undefined : scope,
    });
    return {
      scope,
      period,
      period_label: span.label,
      timezone: calendar.timeZone,
      from: new Date(span.start).toISOString(),
      to: new Date(span.end).toISOString(),
      rows: rows.map(row),
    };
  });
}

function row(r: SpendRow) {
  return {
    ...(r.group === undefined ? {} : { name: r.group }),
    requests: r.requests,
    cost_usd: Math.round(r.costUsd * 1e8) / 1e8,
    unpriced: r.unpriced,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
  };
}
