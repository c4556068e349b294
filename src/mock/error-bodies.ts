// Error bodies in each provider's envelope: auth, validation, rate limit and injected status faults (ref §4.3).
import { STATUS_CODES } from 'node:http';
import { formatGoDuration } from './limit-headers.ts';
import type { MockLimitDimension } from './rate-limit-state.ts';
import type { MockDialect } from './types.ts';

/** One error, before it is wrapped in a dialect's envelope. */
export interface ErrorSpec {
  status: number;
  /** OpenAI `type` / Anthropic `error.type` / Cerebras `type`. */
  type: string;
  message: string;
  param?: string | null;
  code?: string | null;
}

/** Serializes an error in the dialect's envelope. */
export function errorBody(dialect: MockDialect, spec: ErrorSpec, requestId: string): string {
  switch (dialect) {
    case 'openai':
      return JSON.stringify({
        error: { message: spec.message, type: spec.type, param: spec.param ?? null, code: spec.code ?? null },
      });
    case 'groq': // Groq leaves `param` out
      return JSON.stringify({ error: { message: spec.message, type: spec.type, code: spec.code ?? null } });
    case 'cerebras': // top level, no `error` wrapper
      return JSON.stringify({
        message: spec.message,
        type: spec.type,
        param: spec.param ?? null,
        code: spec.code ?? null,
      });
    case 'anthropic':
      return JSON.stringify({
        type: 'error',
        error: { type: spec.type, message: spec.message },
        request_id: requestId,
      });
    case 'nvidia': // RFC 7807-ish problem details
      return JSON.stringify({
        status: spec.status,
        title: STATUS_CODES[spec.status] ?? 'Error',
        detail: spec.message,
      });
    case 'generic':
      return JSON.stringify({ message: spec.message });
  }
}

function mask(key: string | undefined): string {
  if (!key) return '(none)';
  return key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '****';
}

export function authError(dialect: MockDialect, key: string | undefined): ErrorSpec {
  if (dialect === 'anthropic') {
    return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
  }
  if (dialect === 'cerebras') {
    return {
      status: 401,
      type: 'invalid_request_error',
      message: 'Wrong API Key',
      param: 'api_key',
      code: 'wrong_api_key',
    };
  }
  const message =
    dialect === 'openai'
      ? `Incorrect API key provided: ${mask(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`
      : 'Invalid API Key';
  return { status: 401, type: 'invalid_request_error', message, param: null, code: 'invalid_api_key' };
}

/** A 400 the real API would give for a malformed request. */
export function invalidRequest(
  dialect: MockDialect,
  message: string,
  param?: string,
  code?: string,
): ErrorSpec {
  return {
    status: 400,
    type: 'invalid_request_error',
    message,
    param: dialect === 'anthropic' ? undefined : param,
    code,
  };
}

/** What the limiter refused, for the 429 text. */
export interface Refusal {
  dimension: MockLimitDimension;
  limit: number;
  used: number;
  requested: number;
  tooLarge: boolean;
  retryAfterMs: number;
}

const openaiWindowText: Record<MockLimitDimension, string> = {
  requests: 'requests per min (RPM)',
  tokens: 'tokens per min (TPM)',
  inputTokens: 'input tokens per min (ITPM)',
  outputTokens: 'output tokens per min (OTPM)',
};
const anthropicWindowText: Record<MockLimitDimension, string> = {
  requests: 'requests per minute',
  tokens: 'tokens per minute',
  inputTokens: 'input tokens per minute',
  outputTokens: 'output tokens per minute',
};

/** The dialect's rate-limit refusal (Groq answers a too-large request with 413, reference G4). */
export function rateLimitError(dialect: MockDialect, refusal: Refusal, model: string): ErrorSpec {
  const { dimension, limit, used, requested } = refusal;
  const isRequests = dimension === 'requests';
  switch (dialect) {
    case 'openai':
    case 'groq': {
      const where =
        dialect === 'groq'
          ? `model \`${model}\` in organization \`org_mock\` service tier \`on_demand\` on ${isRequests ? 'requests per day (RPD)' : 'tokens per minute (TPM)'}`
          : `${model} in organization org-mock on ${openaiWindowText[dimension]}`;
      const message = refusal.tooLarge
        ? `Request too large for ${where}: Limit ${limit}, Requested ${requested}. The input or output tokens must be reduced in order to run successfully.`
        : `Rate limit reached for ${where}: Limit ${limit}, Used ${used}, Requested ${requested}. Please try again in ${formatGoDuration(refusal.retryAfterMs)}.`;
      const status = dialect === 'groq' && refusal.tooLarge ? 413 : 429;
      return {
        status,
        type: isRequests ? 'requests' : 'tokens',
        message,
        param: null,
        code: 'rate_limit_exceeded',
      };
    }
    case 'cerebras':
      return isRequests
        ? {
            status: 429,
            type: 'too_many_requests_error',
            message: 'Requests per minute limit exceeded - too many requests sent.',
            param: 'quota',
            code: 'request_quota_exceeded',
          }
        : {
            status: 429,
            type: 'too_many_tokens_error',
            message: 'Tokens per minute limit exceeded - too many tokens processed.',
            param: 'quota',
            code: 'token_quota_exceeded',
          };
    case 'anthropic':
      return {
        status: 429,
        type: 'rate_limit_error',
        message: `This request would exceed your organization's rate limit of ${limit.toLocaleString('en-US')} ${anthropicWindowText[dimension]}.`,
      };
    case 'nvidia':
      return { status: 429, type: 'rate_limit', message: 'Too Many Requests' };
    case 'generic':
      return { status: 429, type: 'rate_limit', message: 'API rate limit exceeded.' };
  }
}

/** The error event a provider sends inside a stream that already answered 200 (reference §3.1, A6). */
export function inBandErrorFrame(dialect: MockDialect, responsesApi: boolean): string {
  if (dialect === 'anthropic') {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;
  }
  const message = 'The server had an error while processing your request.';
  if (responsesApi) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message, param: null })}\n\n`;
  }
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
}

// [openai type, openai code, anthropic type, message] for statuses a test is likely to inject.
const faultTable: Record<number, readonly [string, string | null, string, string]> = {
  400: [
    'invalid_request_error',
    'context_length_exceeded',
    'invalid_request_error',
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
  ],
  401: ['invalid_request_error', 'invalid_api_key', 'authentication_error', 'Incorrect API key provided.'],
  403: ['permission_error', null, 'permission_error', 'You are not allowed to use this resource.'],
  404: ['invalid_request_error', 'model_not_found', 'not_found_error', 'The model does not exist.'],
  413: [
    'invalid_request_error',
    'request_too_large',
    'request_too_large',
    'Request exceeds the maximum size.',
  ],
  429: ['requests', 'rate_limit_exceeded', 'rate_limit_error', 'Rate limit reached. Please try again in 1s.'],
  500: ['server_error', null, 'api_error', 'The server had an error while processing your request.'],
  502: ['server_error', null, 'api_error', 'Bad gateway.'],
  503: ['service_unavailable_error', 'server_is_overloaded', 'api_error', 'The server is overloaded.'],
  504: ['timeout_error', null, 'timeout_error', 'Request timed out.'],
  529: ['overloaded_error', 'overloaded', 'overloaded_error', 'Overloaded'],
};

/** The default body of an injected status fault, in the dialect's envelope. */
export function statusFaultError(dialect: MockDialect, status: number): ErrorSpec {
  const row = faultTable[status];
  const message = row?.[3] ?? `Mock upstream fault ${status}.`;
  if (dialect === 'anthropic') return { status, type: row?.[2] ?? 'api_error', message };
  if (dialect === 'cerebras' && status === 429) {
    return { status, type: 'too_many_requests_error', message, param: 'queue', code: 'queue_exceeded' };
  }
  return {
    status,
    type: row?.[0] ?? 'server_error',
    message,
    param: status === 400 ? 'messages' : null,
    code: row?.[1] ?? null,
  };
}
