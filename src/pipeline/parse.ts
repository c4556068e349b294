// Stage: read an API call's JSON body for what routing and limits need: model, stream, bounds.
import { topLevelKeyCount } from '../dialects/wire/json-check.ts';
import { isRecord } from '../dialects/wire/json-peek.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BodySilence } from './body/idle-guard.ts';
import { receiveBody } from './body/read-body.ts';
import type { RequestContext } from './context.ts';

/** Endpoints that cannot be routed without a model. */
const MODEL_REQUIRED = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/messages',
  '/v1/messages/count_tokens',
]);

/** Fields the gateway routes and counts by: the upstream must read the same value the gateway did. */
const UNAMBIGUOUS = ['model', 'stream'] as const;

/** Real model names are far shorter; longer ones are refused before routing or logging sees them. */
export const MAX_MODEL_NAME = 256;

export interface ParseStageDeps {
  maxBody: number;
  /** Bounds a client's silence while it sends its body (server.body_idle_timeout). */
  silence: BodySilence;
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.includes('json') === true;
}

export function createParseStage(deps: ParseStageDeps) {
  return async function parse(ctx: RequestContext): Promise<void> {
    if (ctx.kind !== 'api' || ctx.req.method !== 'POST') return;
    const required = MODEL_REQUIRED.has(ctx.path);
    // Uploads (multipart audio, files) on other paths go through unread.
    if (!required && !isJson(ctx.req.headers['content-type'])) return;
    const body = await receiveBody(ctx, deps.maxBody, deps.silence);
    ctx.body = body;
    let json: unknown;
    const text = body.toString('utf8');
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new GatewayError('invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
    }
    if (!isRecord(json)) throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
    for (const field of UNAMBIGUOUS) {
      if (json[field] !== undefined && topLevelKeyCount(text, field) > 1) {
        throw new GatewayError('invalid_request', `The request body has "${field}" more than once.`, {
          param: field,
        });
      }
    }
    ctx.json = json;
    const model = json.model;
    if (typeof model === 'string' && model.length > MAX_MODEL_NAME) {
      throw new GatewayError(
        'invalid_request',
        `The "model" is ${model.length} characters long; model names are at most ${MAX_MODEL_NAME}.`,
        { param: 'model' },
      );
    }
    if (typeof model === 'string' && model.length > 0) ctx.model = model;
    else if (required || model !== undefined) {
      throw new GatewayError('invalid_request', 'The request body needs a "model" string.', {
        param: 'model',
      });
    }
    ctx.stream = json.stream === true;
  };
}
