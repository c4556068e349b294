// Concurrent callers working through a list: each takes the next item when its last one settles, the way
// an app's workers or a batch job with a concurrency limit do. Shared by the demo and bench/shaping.

export interface CallOutcome {
  readonly index: number;
  /** Which caller (0 .. callers-1) made the call. */
  readonly caller: number;
  readonly ok: boolean;
  /** HTTP status of the final failure, when it had one. */
  readonly status?: number | undefined;
  /** From the call's start to its answer or error, retries included. */
  readonly ms: number;
  /** Milliseconds after the run started. */
  readonly endedAt: number;
}

export interface CallersRun {
  /** In settling order. */
  readonly outcomes: readonly CallOutcome[];
  /** From the first call's start to the last call's end. */
  readonly wallMs: number;
}

export interface CallersOptions {
  /** Monotonic milliseconds; default performance.now. */
  now?: () => number;
  onSettled?: (outcome: CallOutcome) => void;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

export async function runCallers<T>(
  items: readonly T[],
  callers: number,
  call: (item: T, caller: number) => Promise<void>,
  options: CallersOptions = {},
): Promise<CallersRun> {
  const now = options.now ?? (() => performance.now());
  const outcomes: CallOutcome[] = [];
  const started = now();
  let next = 0;
  const settle = (outcome: CallOutcome) => {
    outcomes.push(outcome);
    options.onSettled?.(outcome);
  };
  await Promise.all(
    Array.from({ length: Math.min(callers, items.length) }, async (_, caller) => {
      while (next < items.length) {
        const index = next++;
        const t0 = now();
        try {
          await call(items[index]!, caller);
          const t1 = now();
          settle({ index, caller, ok: true, ms: t1 - t0, endedAt: t1 - started });
        } catch (error) {
          const t1 = now();
          settle({ index, caller, ok: false, status: statusOf(error), ms: t1 - t0, endedAt: t1 - started });
        }
      }
    }),
  );
  return { outcomes, wallMs: now() - started };
}
