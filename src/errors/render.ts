// Turns a GatewayError into what a client of each API expects: status, headers, body, or a stream event.
import { errorCodes, retryableCodes } from './codes.ts';
import type { GatewayError } from './gateway-error.ts';

/** The API shape the client speaks, from the route it called. */
export type ClientDialect = 'openai' | 'anthropic';

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function errorBody(err: GatewayError, dialect: ClientDialect): object {
  const entry = errorCodes[err.code];
  if (dialect === 'anthropic') {
    return { type: 'error', error: { type: entry.anthropic, message: err.message, code: err.code } };
  }
  return { error: { message: err.message, type: entry.openai, param: err.param ?? null, code: err.code } };
}

export function renderError(err: GatewayError, dialect: ClientDialect): RenderedError {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...err.headers };
  if (err.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
  // SDKs retry 429/5xx by default; tell them when that cannot help (a budget, a bad request).
  headers['x-should-retry'] = retryableCodes.has(err.code) ? 'true' : 'false';
  return { status: err.status, headers, body: JSON.stringify(errorBody(err, dialect)) };
}

/** The in-band error that ends a stream whose head (200) already went out. */
export function renderStreamError(err: GatewayError, dialect: ClientDialect): string {
  const body = JSON.stringify(errorBody(err, dialect));
  return dialect === 'anthropic' ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}
