// Stage: the client's own limits and the budgets, before anything is sent. The request's claims
// (its ingress buckets, its budgets' estimate) are taken from the store all or nothing; the spend
// settler corrects them to the real usage and cost when the request is over.
import type { IngressClaim } from '../clients/ingress-limits.ts';
import { ingressClaims, ingressHeaders, isIngressClaim } from '../clients/ingress-limits.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BudgetBook, BudgetClaim } from '../spend/budget-book.ts';
import { describe } from '../spend/budget-book.ts';
import type { PriceBook } from '../spend/price-book.ts';
import type { Claim, ClaimResult, StateStore } from '../store/state-store.ts';
import type { Clock } from '../time/clock.ts';
import type { RequestContext } from './context.ts';

export interface GuardStageDeps {
  store: StateStore;
  budgets: BudgetBook;
  prices: PriceBook;
  /** Client ingress limits apply (`--no-rate-limit` turns them off). */
  ingress: boolean;
  clock: Clock;
}

export function createGuardStage(deps: GuardStageDeps) {
  const { store, budgets, prices, clock } = deps;
  return function guard(ctx: RequestContext): void | Promise<void> {
    const client = ctx.client;
    if (!client) return;
    const claims: Claim[] = [];
    const cost = ctx.cost;
    const tokens = cost ? cost.inputTokens + cost.outputTokens : 0;
    if (deps.ingress) ingressClaims(client.id, client.limits, tokens, claims);
    const now = clock.now();
    if (budgets.active && ctx.kind === 'api' && ctx.target) {
      const model = sentModel(ctx);
      const subject = {
        clientId: client.id,
        clientLabel: client.label,
        upstream: ctx.target.upstream.name,
        model: model ?? '',
      };
      if (cost && model !== undefined) {
        const estimate = prices.cost(
          model,
          { inputTokens: cost.inputTokens, outputTokens: cost.outputTokens },
          ctx.target.upstream.dialect.name,
        );
        budgets.claims(subject, estimate?.usd, now, claims);
      }
      // A call the gateway cannot estimate (audio, files, batches) reserves nothing, but a spent
      // budget still refuses it.
      else budgets.claims(subject, 0, now, claims);
    }
    if (claims.length === 0) return;
    const result = store.claim(claims, now);
    if (result instanceof Promise) return result.then((r) => admit(ctx, claims, r));
    admit(ctx, claims, result);
  };
}

function admit(ctx: RequestContext, claims: Claim[], result: ClaimResult): void {
  if (result.ok) {
    ctx.claims = claims;
    return;
  }
  const refused = claims[result.index]!;
  const seconds = Number.isFinite(result.retryAfterMs) ? result.retryAfterMs / 1000 : undefined;
  if (isIngressClaim(refused)) throw ingressRefusal(refused, result.remaining, result.retryAfterMs, seconds);
  const budget = refused as BudgetClaim;
  if (seconds === undefined) {
    throw new GatewayError(
      'budget_exceeded',
      `This request could cost up to $${budget.amount.toFixed(6)} (its input and output bound), more than the whole ${describe(budget.rule)} budget. Ask for fewer output tokens.`,
    );
  }
  throw new GatewayError(
    'budget_exceeded',
    `The ${describe(budget.rule)} budget is spent for ${budget.periodLabel}; it starts again when the period ends.`,
    { retryAfterSeconds: seconds },
  );
}

function ingressRefusal(
  claim: IngressClaim,
  remaining: number,
  waitMs: number,
  seconds: number | undefined,
): GatewayError {
  const what = claim.dimension === 'requests' ? 'requests' : 'tokens';
  const message =
    seconds === undefined
      ? `This request needs more ${what} than this client's limit of ${claim.perMinute} per minute allows at once.`
      : `This client is over its limit of ${claim.perMinute} ${what} per minute; try again in ${Math.ceil(seconds)} s.`;
  return new GatewayError('rate_limit_exceeded', message, {
    ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
    headers: ingressHeaders(claim, remaining, Number.isFinite(waitMs) ? waitMs : 60_000),
  });
}

/** The model the upstream is asked for (after a rename or fallback), which is what is priced. */
export function sentModel(ctx: RequestContext): string | undefined {
  const sent = ctx.json?.model;
  return typeof sent === 'string' ? sent : ctx.model;
}
