// A bound on a client's silence while it sends its body: a stalled upload must not hold a
// connection (and, streamed through, an upstream's) for ever. One timer per body, moved on by the
// time of the last chunk rather than re-armed per chunk.
import { GatewayError } from '../../errors/gateway-error.ts';
import type { Clock } from '../../time/clock.ts';

export interface IdleBound {
  readonly ms: number;
  readonly clock: Clock;
}

export interface IdleGuard {
  /** A chunk came. */
  touch(): void;
  /** The body is over (or given up): no more watching. */
  stop(): void;
}

export function guardIdle(bound: IdleBound, onIdle: (err: GatewayError) => void): IdleGuard {
  const { ms, clock } = bound;
  let last = clock.monotonic();
  let cancel: (() => void) | undefined;
  const arm = (wait: number) => {
    cancel = clock.setTimer(wait, () => {
      const silent = clock.monotonic() - last;
      if (silent < ms) {
        arm(ms - silent);
        return;
      }
      cancel = undefined;
      onIdle(new GatewayError('request_timeout', `The request body stopped arriving for ${ms} ms.`));
    });
  };
  arm(ms);
  return {
    touch() {
      last = clock.monotonic();
    },
    stop() {
      cancel?.();
      cancel = undefined;
    },
  };
}
