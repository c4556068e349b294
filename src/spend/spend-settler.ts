// When a request is over: its claims settled to what it really used (one request, its real
// tokens, its real cost), and what it spent written to the ledger with them. A request that got
// usage always leaves a ledger record, priced or marked unpriced, budgets or not.

import { isIngressClaim } from '../clients/ingress-limits.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { sentModel } from '../pipeline/guard.ts';
import type { Claim, Settlement, SpendRecord, StateStore } from '../store/state-store.ts';

/**
 * Settles a request's claims and writes its spend, once (later calls do nothing). `durable` is
 * called once the spend is on file: a whole answer or a finished stream ends only then.
 */
export type SettleSpend = (ctx: RequestContext, wallMs: number, durable?: () => void) => void;

/** `failed` hears every spend the store could not take (the store's own failure report). */
export function createSpendSettler(store: StateStore, failed: (err: unknown) => void): SettleSpend {
  return (ctx, wallMs, then) => {
    // Called once whatever fails: it ends an answer.
    let ended = false;
    const durable =
      then &&
      (() => {
        if (ended) return;
        ended = true;
        then();
      });
    if (ctx.spendSettled) {
      durable?.();
      return;
    }
    ctx.spendSettled = true;
    const claims = ctx.claims;
    const usage = ctx.usage;
    if (!claims && !usage) {
      durable?.();
      return;
    }
    const settlements = claims ? claims.map((claim) => settlementOf(claim, ctx)) : [];
    const record: SpendRecord | undefined =
      usage && ctx.target
        ? {
            at: wallMs,
            requestId: ctx.id,
            client: ctx.client?.id ?? '-',
            upstream: ctx.target.upstream.name,
            model: sentModel(ctx) ?? '-',
            costUsd: ctx.costUsd,
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
          }
        : undefined;
    try {
      const done = store.settle(settlements, wallMs, record, durable);
      if (done instanceof Promise) done.catch(failed);
    } catch (err) {
      failed(err);
      durable?.();
    }
  };
}

function settlementOf(claim: Claim, ctx: RequestContext): Settlement {
  if (claim.kind === 'period') return { claim, reserved: claim.amount, used: ctx.costUsd ?? 0 };
  // A request bucket counts the request whatever came of it; a token bucket what it really used.
  if (isIngressClaim(claim) && claim.dimension === 'requests')
    return { claim, reserved: claim.amount, used: claim.amount };
  const usage = ctx.usage;
  return { claim, reserved: claim.amount, used: usage ? usage.inputTokens + usage.outputTokens : 0 };
}
