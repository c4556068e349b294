// One request's path through the mock: latency, fault, auth, validation, admission, then the answer.
import { planEndpoint } from './endpoints.ts';
import {
  authError,
  type ErrorSpec,
  errorBody,
  inBandErrorFrame,
  invalidRequest,
  rateLimitError,
  statusFaultError,
} from './error-bodies.ts';
import type { Exchange } from './exchange.ts';
import { type FaultRules, isWriteFault, parseFaultHeader, type WriteFault } from './faults.ts';
import { type HeaderMap, retryAfterSeconds, writeLimitHeaders } from './limit-headers.ts';
import { isRecord, newId } from './mock-content.ts';
import type { MockPromptCache } from './prompt-cache.ts';
import type { RateLimitState, WindowView } from './rate-limit-state.ts';
import { writeJson, writeSse } from './reply-writer.ts';
import { findProblem, type PrefillMode } from './request-validation.ts';
import { isAnthropicRoute, isLlmRoute, type RouteMatch } from './routes.ts';
import type { Fault, MockDialect } from './types.ts';

/** The mock's settings and mutable state, as the handler reads them. */
export interface MockState {
  readonly dialect: MockDialect;
  readonly keys: ReadonlySet<string> | undefined;
  readonly organization: string | undefined;
  readonly sendLimitHeaders: boolean;
  readonly latencyMs: number;
  readonly chunkDelayMs: number;
  readonly streamChunks: number;
  readonly reply: string;
  readonly now: () => number;
  readonly faults: FaultRules;
  limits: RateLimitState;
  stepMode: boolean;
  /** What `GET /v1/models` lists; undefined: the dialect's own models. */
  readonly models: readonly string[] | undefined;
  readonly promptCache: MockPromptCache;
  /** Models and keys that continue a prefill, and that refuse one. */
  readonly prefill: { readonly continue: ReadonlySet<string>; readonly refuse: ReadonlySet<string> };
}

/** How this request's trailing assistant message (if any) is treated. */
function prefillMode(
  state: MockState,
  match: RouteMatch,
  body: Record<string, unknown> | undefined,
  key: string | undefined,
): PrefillMode {
  const model = typeof body?.model === 'string' ? body.model : '';
  const listed = (set: ReadonlySet<string>) => set.has(model) || (key !== undefined && set.has(key));
  if (listed(state.prefill.refuse)) return 'refuse';
  if (isAnthropicRoute(match.route) || listed(state.prefill.continue)) return 'continue';
  return 'ignore';
}

function headerNumber(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

export function handleExchange(state: MockState, ex: Exchange, match: RouteMatch): void {
  const latency = headerNumber(ex.record.headers['x-mock-latency-ms']) ?? state.latencyMs;
  if (latency > 0) {
    void ex.sleep(latency).then(() => respond(state, ex, match));
    return;
  }
  respond(state, ex, match);
}

function chooseFault(state: MockState, ex: Exchange, model: string | undefined): Fault | undefined {
  const header = ex.record.headers['x-mock-fault'];
  const fromHeader = typeof header === 'string' ? parseFaultHeader(header) : undefined;
  return fromHeader ?? state.faults.take({ key: ex.record.key, path: ex.record.path, model });
}

/** What every answer to one request shares: its dialect, headers so far and ids. */
interface Answer {
  state: MockState;
  ex: Exchange;
  dialect: MockDialect;
  out: HeaderMap;
  requestId: string;
  key: string;
  now: number;
}

function withLimitHeaders(a: Answer, view: WindowView | undefined): void {
  if (a.state.sendLimitHeaders) writeLimitHeaders(a.dialect, a.state.limits, view, a.now, a.out);
}

function fail(a: Answer, spec: ErrorSpec): void {
  writeJson(a.ex, spec.status, a.out, errorBody(a.dialect, spec, a.requestId), undefined);
}

function respond(state: MockState, ex: Exchange, match: RouteMatch): void {
  if (ex.closed) return;
  const record = ex.record;
  const body = isRecord(record.json) ? record.json : undefined;
  const now = state.now();
  const anthropicShape =
    isAnthropicRoute(match.route) ||
    ((match.route === 'models' || match.route === 'model') &&
      record.headers['anthropic-version'] !== undefined);
  const dialect: MockDialect = anthropicShape ? 'anthropic' : state.dialect;
  const requestId = newId(dialect === 'anthropic' ? 'req_011C' : 'req_');
  const out: HeaderMap = {};
  if (dialect === 'anthropic') {
    out['request-id'] = requestId;
    // Anthropic resets are instants; clients compare them with this date, so it follows the mock's clock.
    out.date = new Date(now).toUTCString();
  } else out['x-request-id'] = requestId;
  const a: Answer = { state, ex, dialect, out, requestId, key: record.key ?? '', now };

  const fault = chooseFault(state, ex, typeof body?.model === 'string' ? body.model : undefined);
  if (fault?.kind === 'held') {
    void ex.held().then(() => {
      if (!ex.closed && !refused(a, match, body)) serve(a, match, body, undefined);
    });
  } else if (fault?.kind === 'reset') ex.cut(true);
  else if (fault?.kind === 'status') failWith(a, fault);
  else if (fault?.kind !== 'hang' && !refused(a, match, body)) {
    // 'hang' answers nothing: the close of either side ends the exchange.
    serve(a, match, body, fault && isWriteFault(fault) ? fault : undefined);
  }
}

/** An injected status: the given body, or the dialect's usual body for that status. */
function failWith(a: Answer, fault: Extract<Fault, { kind: 'status' }>): void {
  withLimitHeaders(a, a.state.limits.view(a.key, a.now));
  if (fault.headers) Object.assign(a.out, fault.headers);
  const text =
    fault.body === undefined
      ? errorBody(a.dialect, statusFaultError(a.dialect, fault.status), a.requestId)
      : typeof fault.body === 'string'
        ? fault.body
        : JSON.stringify(fault.body);
  writeJson(a.ex, fault.status, a.out, text, undefined);
}

/** Answers 401 for an unknown key or 400 for a request the real API would reject; true if it did. */
function refused(a: Answer, match: RouteMatch, body: Record<string, unknown> | undefined): boolean {
  const { record } = a.ex;
  const keys = a.state.keys;
  if (keys && (record.key === undefined || !keys.has(record.key))) {
    fail(a, authError(a.dialect, record.key));
    return true;
  }
  const organization = record.headers['openai-organization'];
  if (
    a.state.organization !== undefined &&
    organization !== undefined &&
    organization !== a.state.organization
  ) {
    fail(a, {
      status: 401,
      type: 'invalid_request_error',
      message: 'OpenAI-Organization header should match organization for API key',
      param: null,
      code: 'mismatched_organization',
    });
    return true;
  }
  if (!isLlmRoute(match.route)) return false;
  const problem = findProblem(
    match.route,
    body,
    record.headers['anthropic-version'],
    prefillMode(a.state, match, body, record.key),
  );
  if (!problem) return false;
  withLimitHeaders(a, a.state.limits.view(a.key, a.now));
  fail(a, invalidRequest(a.dialect, problem.message, problem.param, problem.code));
  return true;
}

/** Admits the request against the hidden limits and writes the answer, or the dialect's 429. */
function serve(
  a: Answer,
  match: RouteMatch,
  body: Record<string, unknown> | undefined,
  writeFault: WriteFault | undefined,
): void {
  const { state, ex } = a;
  const headers = ex.record.headers;
  const planned = planEndpoint(match, body ?? {}, ex.record, {
    dialect: a.dialect,
    chunks: Math.max(1, headerNumber(headers['x-mock-chunks']) ?? state.streamChunks),
    replyText: state.reply,
    now: a.now,
    requestId: a.requestId,
    prefill: prefillMode(state, match, body, ex.record.key),
    models: state.models,
    promptCache: state.promptCache,
    key: a.key,
  });
  let view: WindowView | undefined;
  if (planned.cost) {
    const admission = state.limits.admit(a.key, planned.cost, a.now);
    if (!admission.ok) {
      withLimitHeaders(a, admission.view);
      // A request larger than the limit will never fit (no retry hint); NVIDIA sends none at all.
      if (!admission.tooLarge && a.dialect !== 'nvidia') {
        a.out['retry-after'] = retryAfterSeconds(admission.retryAfterMs);
      }
      fail(a, rateLimitError(a.dialect, admission, planned.model));
      return;
    }
    view = admission.view;
  } else view = state.limits.view(a.key, a.now);
  withLimitHeaders(a, view);

  const rendered = planned.render();
  if (rendered.kind === 'json') {
    writeJson(ex, 200, a.out, rendered.body, writeFault);
    return;
  }
  const pacing = {
    chunkDelayMs: headerNumber(headers['x-mock-chunk-delay-ms']) ?? state.chunkDelayMs,
    stepMode: () => state.stepMode,
    errorFrame:
      writeFault?.kind === 'error-event' ? inBandErrorFrame(a.dialect, match.route === 'responses') : '',
  };
  writeSse(ex, 200, a.out, rendered.frames, pacing, writeFault).catch(() => ex.cut(false));
}
