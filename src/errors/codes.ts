// Every error the gateway makes: its HTTP status and its `type` in each client dialect. One table.

export const errorCodes = {
  invalid_request: { status: 400, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  invalid_json: { status: 400, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  payload_too_large: { status: 413, openai: 'invalid_request_error', anthropic: 'request_too_large' },
  request_timeout: { status: 408, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  request_too_large: { status: 400, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  unauthorized: { status: 401, openai: 'authentication_error', anthropic: 'authentication_error' },
  route_not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  host_not_allowed: { status: 403, openai: 'permission_error', anthropic: 'permission_error' },
  origin_not_allowed: { status: 403, openai: 'permission_error', anthropic: 'permission_error' },
  rate_limit_exceeded: { status: 429, openai: 'rate_limit_error', anthropic: 'rate_limit_error' },
  budget_exceeded: { status: 429, openai: 'insufficient_quota', anthropic: 'rate_limit_error' },
  queue_full: { status: 503, openai: 'server_error', anthropic: 'overloaded_error' },
  queue_timeout: { status: 503, openai: 'server_error', anthropic: 'overloaded_error' },
  upstream_unavailable: { status: 502, openai: 'server_error', anthropic: 'api_error' },
  upstream_timeout: { status: 504, openai: 'server_error', anthropic: 'api_error' },
  internal: { status: 500, openai: 'server_error', anthropic: 'api_error' },
} as const satisfies Record<string, { status: number; openai: string; anthropic: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** Codes after which a client retrying (later) can succeed; SDKs are told not to retry the rest. */
export const retryableCodes: ReadonlySet<ErrorCode> = new Set([
  'rate_limit_exceeded',
  'queue_full',
  'queue_timeout',
  'upstream_unavailable',
  'upstream_timeout',
]);
