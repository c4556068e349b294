// Public vocabulary of the mock upstream: options, faults, recorded requests and the handle tests drive.

/** Which provider the mock impersonates on OpenAI-shaped paths ('generic': plain REST `x-ratelimit-*`). */
export type MockDialect = 'openai' | 'anthropic' | 'cerebras' | 'groq' | 'nvidia' | 'generic';

export interface MockLimits {
  requests?: number;
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Fixed window length, default 60_000. */
  windowMs?: number;
}

export interface MockUpstreamOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Rate-limit headers and error shapes on OpenAI-shaped paths; /v1/messages always answers as Anthropic. */
  dialect?: MockDialect;
  /** Hidden per-key limits; exceeded -> 429 in the dialect's shape. Absent -> unlimited. */
  limits?: MockLimits;
  /** Default true (nvidia never sends any). */
  sendLimitHeaders?: boolean;
  /** When set, other keys get 401 in the dialect's error shape; when unset any key (or none) is accepted. */
  keys?: string[];
  /** The organization the keys belong to: an `OpenAI-Organization` naming another gets OpenAI's 401. */
  organization?: string;
  /** Delay before the response head, default 0. */
  latencyMs?: number;
  /** Delay between stream chunks, default 0. */
  chunkDelayMs?: number;
  /** Content chunks per stream, default 5. */
  streamChunks?: number;
  /** Clock for limit windows, `created` fields and `at`; default Date.now. */
  now?: () => number;
  /** Reply text; default 'Hello from the mock upstream.' (repeated when a stream has more chunks than words). */
  reply?: string;
  /** Keep finished requests in `received`, default true. Benchmarks turn it off to keep memory flat. */
  record?: boolean;
  /** Bytes of each request body kept in `received[].body`, default 8 MiB; `bodyBytes` still counts all. */
  maxRecordedBodyBytes?: number;
  /**
   * What a trailing assistant message (a prefill) gets, by model name or key. Anthropic's
   * /v1/messages continues it unless refused; chat/completions continues it only when listed in
   * `continue` (as vLLM, llama.cpp, DeepSeek and Mistral do) and otherwise answers from scratch, as
   * OpenAI does. Refused: a 400 that names the prefill.
   */
  prefill?: { continue?: readonly string[]; refuse?: readonly string[] };
  /**
   * The model ids `GET /v1/models` lists, in the shape of the dialect answering (Anthropic's when
   * `anthropic-version` is sent, paged by `limit`, `after_id` and `before_id` as Anthropic pages).
   * Default: the dialect's own few models.
   */
  models?: readonly string[];
}

export interface ReceivedRequest {
  id: number;
  method: string;
  /** Including the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Empty until the whole body has arrived. */
  body: Buffer;
  json?: unknown;
  /** From `x-api-key` or `Authorization: Bearer`. */
  key?: string;
  at: number;
  /** Status the mock answered with (absent for reset/hang). */
  status?: number;
  /** The client closed the connection before the mock finished answering. */
  closedEarly?: boolean;
  /** Body bytes received so far (counts past `maxRecordedBodyBytes`). */
  bodyBytes: number;
  /** Which endpoint the path matched: 'chat', 'messages', 'echo', ... */
  route: string;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' }
  /** Answered normally, but only once `release()` is called: requests can be held in flight. */
  | { kind: 'held' }
  | { kind: 'drop-mid-stream'; afterChunks?: number }
  | { kind: 'stall-mid-stream'; afterChunks?: number }
  | { kind: 'malformed-chunk'; afterChunks?: number }
  | { kind: 'no-terminator' }
  /** stream: N chunks, then half of the next event, then a clean end: an event cut by the transport. */
  | { kind: 'truncated-event'; afterChunks?: number }
  /** The head at once, then nothing for `delayMs` before the first chunk (or the JSON body). */
  | { kind: 'slow-first-token'; delayMs: number }
  /** stream: send N chunks, then the provider's in-band error event, then end without a terminator. */
  | { kind: 'error-event'; afterChunks?: number };

export interface FaultRule {
  fault: Fault;
  key?: string;
  /** Substring of the request path. */
  path?: string;
  model?: string;
  /** How many requests this rule hits; default forever. */
  times?: number;
}

export interface MockUpstream {
  readonly url: string;
  readonly port: number;
  readonly dialect: MockDialect;
  readonly received: ReceivedRequest[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Turns keeping finished requests in `received` on or off (what is kept stays until reset). */
  setRecording(on: boolean): void;
  /** Replaces the hidden limits (undefined: unlimited) and forgets all windows. */
  setLimits(limits: MockLimits | undefined): void;
  /** Step mode: each stream sends its first chunk, then waits for release() before each next chunk. */
  setStepMode(on: boolean): void;
  /** Lets every unfinished request send `count` more chunks (default 1). */
  release(count?: number): void;
  /** SSE events written so far for that request (one event = one chunk, `[DONE]` included). */
  chunksSent(requestId: number): number;
  /** Resolves once `n` requests (since the last reset) have arrived with their whole body. */
  waitForRequests(n: number): Promise<void>;
  /** Resolves once the request has written at least `n` chunks; rejects if it ends before. */
  waitForChunks(requestId: number, n: number): Promise<void>;
  /** Resolves with the first request (or the given one) whose body reached `bytes`, even mid-upload. */
  waitForBodyBytes(bytes: number, requestId?: number): Promise<ReceivedRequest>;
  /** Resolves when the client closed the request's connection early; rejects if it finished normally. */
  waitForClose(requestId: number): Promise<void>;
  /** Clears received, faults and limit state (request ids keep counting). */
  reset(): void;
  /** Closes the server and destroys open sockets; pending waits reject. */
  close(): Promise<void>;
}
