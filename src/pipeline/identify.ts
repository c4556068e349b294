// Stage: who is calling. With virtual keys configured, a request without one of them ends here (401),
// before its body is read, and the client's key is never sent upstream.
import type { Identify } from '../clients/identity.ts';
import type { RequestContext } from './context.ts';

export function createIdentifyStage(identify: Identify) {
  return function identifyClient(ctx: RequestContext): void {
    ctx.client = identify(ctx.req);
  };
}
