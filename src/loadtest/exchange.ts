// One load-test request over undici: send it, read its answer to the end, and say how it went.
import type { Dispatcher } from 'undici';
import { maskSecret } from '../config/mask.ts';
import type { Clock } from '../time/clock.ts';
import {
  createStreamReader,
  errorMessageOf,
  type StreamProblem,
  type Usage,
  usageOf,
} from './answer-reader.ts';
import type { LoadPlan } from './plan.ts';
import type { Workload } from './workload.ts';

/** Why a request failed without a whole answer (a whole answer with an error status is an `answer`). */
export type FailureReason = 'network' | 'timeout' | StreamProblem;

export type Outcome =
  | {
      kind: 'answer';
      status: number;
      latencyMs: number;
      /** Streams: from sending to the first content-bearing event. */
      ttftMs: number | undefined;
      usage: Usage | undefined;
      /** Error statuses: what the body said, clipped, the key masked. */
      message: string | undefined;
    }
  | { kind: 'failed'; reason: FailureReason; status: number | undefined }
  /** Still running when the run ended, and cut off. */
  | { kind: 'aborted' };

export type Send = (index: number, faulted: boolean, signal: AbortSignal) => Promise<Outcome>;

/** A JSON answer larger than this is not a chat answer; reading stops there. */
const MAX_JSON_CHARS = 4 << 20;
/** Of an error body, this much is kept to find its message. */
const MAX_ERROR_CHARS = 64 << 10;
const MAX_MESSAGE_CHARS = 200;

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function isTimeout(err: unknown): boolean {
  return TIMEOUTS.has((err as { code?: unknown } | null)?.code as string);
}

export interface ExchangeDeps {
  readonly plan: LoadPlan;
  readonly workload: Workload;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
}

export function createSend({ plan, workload, dispatcher, clock }: ExchangeDeps): Send {
  const masked = maskSecret(plan.key);
  const messageOf = (text: string): string => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {}
    const message = (errorMessageOf(parsed) ?? text).replace(/\s+/g, ' ').trim();
    return message.split(plan.key).join(masked).slice(0, MAX_MESSAGE_CHARS);
  };

  return async (index, faulted, signal) => {
    const started = clock.monotonic();
    let status: number | undefined;
    try {
      const res = await dispatcher.request({
        origin: plan.origin,
        path: workload.path,
        method: 'POST',
        headers: workload.headers(faulted),
        body: workload.body(index),
        signal,
      });
      status = res.statusCode;
      res.body.setEncoding('utf8');
      const ok = status >= 200 && status < 300;
      const type = String(res.headers['content-type'] ?? '');
      if (ok && type.includes('text/event-stream')) {
        const reader = createStreamReader(plan.dialect);
        let ttftMs: number | undefined;
        for await (const text of res.body as AsyncIterable<string>) {
          reader.push(text);
          if (ttftMs === undefined && reader.sawContent) ttftMs = clock.monotonic() - started;
          if (reader.problem !== undefined) break;
        }
        const problem = reader.end();
        if (problem !== undefined) {
          res.body.destroy();
          return { kind: 'failed', reason: problem, status };
        }
        const latencyMs = clock.monotonic() - started;
        return { kind: 'answer', status, latencyMs, ttftMs, usage: reader.usage, message: undefined };
      }
      const limit = ok ? MAX_JSON_CHARS : MAX_ERROR_CHARS;
      let text = '';
      let tooLong = false;
      for await (const chunk of res.body as AsyncIterable<string>) {
        // An error body's rest is drained, so the connection can carry the next request.
        if (text.length + chunk.length <= limit) text += chunk;
        else if (ok) {
          tooLong = true;
          break;
        }
      }
      if (tooLong) {
        res.body.destroy();
        return { kind: 'failed', reason: 'bad_answer', status };
      }
      const latencyMs = clock.monotonic() - started;
      if (!ok)
        return {
          kind: 'answer',
          status,
          latencyMs,
          ttftMs: undefined,
          usage: undefined,
          message: messageOf(text),
        };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { kind: 'failed', reason: 'bad_answer', status };
      }
      return {
        kind: 'answer',
        status,
        latencyMs,
        ttftMs: undefined,
        usage: usageOf(plan.dialect, parsed),
        message: undefined,
      };
    } catch (err) {
      if (signal.aborted) return { kind: 'aborted' };
      if (isTimeout(err)) return { kind: 'failed', reason: 'timeout', status };
      // Cut off after the head: the answer broke; before it, the connection did.
      return { kind: 'failed', reason: status === undefined ? 'network' : 'broken_answer', status };
    }
  };
}
