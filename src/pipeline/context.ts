// What one request carries through the stages: the client's side, what parsing and routing found,
// and how it ended.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnswerRecorder } from '../cache/answer-recorder.ts';
import type { ClientIdentity } from '../clients/identity.ts';
import type { HostRouteConfig, ModelRouteConfig } from '../config/schema.ts';
import type { Usage } from '../dialects/types.ts';
import type { ErrorCode } from '../errors/codes.ts';
import type { ClientDialect } from '../errors/render.ts';
import type { Cost } from '../limits/cost.ts';
import type { Priority } from '../limits/upstream-queue.ts';
import type { Claim } from '../store/state-store.ts';
import type { CircuitBreaker } from '../upstreams/circuit-breaker.ts';
import type { Lease } from '../upstreams/scheduler.ts';
import type { Upstream } from '../upstreams/upstream.ts';
import type { StreamRescue } from './rescue/stream-rescue.ts';

/** `api`: an LLM API call to the gateway's own `/v1/*`; `rest`: a host-routed REST call. */
export type RequestKind = 'api' | 'rest';

export interface Target {
  readonly upstream: Upstream;
  /** `https://api.openai.com` */
  readonly origin: string;
  /** Path and query on the upstream. */
  readonly path: string;
}

export interface RequestContext {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Monotonic ms when the request arrived. */
  readonly startedAt: number;
  /** Path and query as the client sent them. */
  readonly url: string;
  /** Path without the query. */
  readonly path: string;
  /** Host header, normalized (lower case, no port). */
  readonly host: string;
  /** The client went away (closed before its response finished). */
  clientGone: boolean;
  /** Cancels whatever the request waits on (the upstream call), set by the stage that waits. */
  cancel: (() => void) | undefined;
  kind: RequestKind;
  clientDialect: ClientDialect;
  /** Who is calling, once identified. */
  client: ClientIdentity | undefined;
  /** What the guard reserved for this request (ingress buckets, budgets); settled when it is over. */
  claims: Claim[] | undefined;
  /** Its claims were settled and its spend written (before its answer ended, or when it was over). */
  spendSettled: boolean;
  hostRoute: HostRouteConfig | undefined;
  /** The request body, when it was read (API calls with JSON bodies). */
  body: Buffer | undefined;
  json: Record<string, unknown> | undefined;
  /** True when `json` was changed and `body` must be rebuilt from it before sending. */
  jsonChanged: boolean;
  model: string | undefined;
  stream: boolean;
  target: Target | undefined;
  /** What the request reserves against rate limits; undefined: not shaped (shaping off, `GET /v1/models`). */
  cost: Cost | undefined;
  priority: Priority;
  /** The key and reservation the current attempt runs on. */
  lease: Lease | undefined;
  /** The gateway asked for stream usage the client did not ask for: strip that chunk again. */
  stripUsage: boolean;
  /** Attempts so far (an upstream 429/503/529 before any byte reached the client sends it again). */
  attempts: number;
  /** The model route's fallbacks (another upstream and model), in order; empty without any. */
  fallbacks: ModelRouteConfig['fallbacks'];
  modelRoute: ModelRouteConfig | undefined;
  /** Index of the next fallback to try. */
  nextFallback: number;
  /** The upstream broke its answer after bytes went out (the client got an in-band error). */
  upstreamBroke: boolean;
  /** Set when the route has `stream_rescue` and this is a stream that can be continued. */
  rescue: StreamRescue | undefined;
  /** Headers every answer to this request carries (CORS for an allowed web origin). */
  extraHeaders: string[] | undefined;
  /** The client sent `Expect: 100-continue` and waits for a go before sending its body. */
  expectContinue: boolean;
  /** Set once the response head went to the client; errors after that go in-band. */
  headSent: boolean;
  status: number;
  /** The upstream's response headers, once they arrived. */
  upstreamHeaders: Readonly<Record<string, string | string[] | undefined>> | undefined;
  usage: Usage | undefined;
  /** Usage of earlier attempts whose bytes reached the client (a stream continued on another key). */
  earlierUsage: Usage | undefined;
  errorCode: ErrorCode | undefined;
  /** How the response cache served it; undefined: no cache lookup was made. */
  cacheResult: CacheResult | undefined;
  /** A cacheable miss: what its client gets is recorded here, to be kept when it ends well. */
  recorder: AnswerRecorder | undefined;
  /** What a cache hit would have cost upstream (USD); undefined: not a hit, or no price. */
  savedUsd: number | undefined;
  /** Input tokens context optimization took out (estimated); undefined: the request went as sent. */
  tokensSaved: number | undefined;
  /** Optimization placed prompt-cache breakpoints: the upstream's cache reads count as its saving. */
  breakpointsPlaced: boolean;
  /** Time spent waiting in queues for room on a key (ms, every attempt). */
  queueMs: number;
  /** Time spent in backoff pauses between attempts (ms, as planned). */
  pausedMs: number;
  /** Time upstreams took, from sending to the end of their answer (ms, every attempt). */
  upstreamMs: number;
  /** Monotonic ms when the current attempt was sent. */
  sentAt: number;
  /** From sending to the answer's head, for the last attempt that got one (ms). */
  firstByteMs: number | undefined;
  /** 429s upstreams sent for this request (retried invisibly, or passed on). */
  upstream429s: number;
  /** What the request cost, from real usage and the price book; undefined until known. */
  costUsd: number | undefined;
  /** Usage came but no price is known for the model: its cost is unknown, not zero. */
  costUnknown: boolean;
  /** Breakers this request's failures were counted against already (made on its first failure). */
  judgedBy: Set<CircuitBreaker> | undefined;
}

export type CacheResult = 'hit' | 'miss' | 'bypass';

const NO_FALLBACKS: ModelRouteConfig['fallbacks'] = [];

export function createContext(
  id: string,
  req: IncomingMessage,
  res: ServerResponse,
  startedAt: number,
  host: string,
): RequestContext {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    id,
    req,
    res,
    startedAt,
    url,
    path: q === -1 ? url : url.slice(0, q),
    host,
    clientGone: false,
    cancel: undefined,
    kind: 'api',
    clientDialect: 'openai',
    client: undefined,
    claims: undefined,
    spendSettled: false,
    hostRoute: undefined,
    body: undefined,
    json: undefined,
    jsonChanged: false,
    model: undefined,
    stream: false,
    target: undefined,
    cost: undefined,
    priority: 'normal',
    lease: undefined,
    stripUsage: false,
    attempts: 0,
    fallbacks: NO_FALLBACKS,
    modelRoute: undefined,
    nextFallback: 0,
    upstreamBroke: false,
    rescue: undefined,
    extraHeaders: undefined,
    expectContinue: false,
    headSent: false,
    status: 0,
    upstreamHeaders: undefined,
    usage: undefined,
    earlierUsage: undefined,
    errorCode: undefined,
    cacheResult: undefined,
    recorder: undefined,
    savedUsd: undefined,
    tokensSaved: undefined,
    breakpointsPlaced: false,
    queueMs: 0,
    pausedMs: 0,
    upstreamMs: 0,
    sentAt: 0,
    firstByteMs: undefined,
    upstream429s: 0,
    costUsd: undefined,
    costUnknown: false,
    judgedBy: undefined,
  };
}
