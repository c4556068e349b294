// The one error type the gateway raises; status and body are derived from its code.
import { type ErrorCode, errorCodes } from './codes.ts';

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Seconds after which trying again can help; becomes `Retry-After`. */
  retryAfterSeconds?: number;
  /** The request field at fault, for OpenAI's `param`. */
  param?: string;
  details?: Readonly<Record<string, unknown>>;
  /** Headers the refusal carries besides its own (a client's `x-ratelimit-*`). */
  headers?: Readonly<Record<string, string>>;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly param: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.param = options.param;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

/** Anything thrown on the request path, as a GatewayError (unknown throws become `internal`). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('internal', 'The gateway failed to handle this request.', { cause: err });
}
