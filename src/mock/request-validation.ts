// The 400s the real APIs give for requests they cannot accept: bad JSON, missing model, messages, max_tokens.
import { assistantPrefill } from './anthropic-responses.ts';

/** What the model does with a trailing assistant message: continue it, refuse it, or answer anew. */
export type PrefillMode = 'continue' | 'refuse' | 'ignore';

import { isAnthropicRoute, type MockRoute } from './routes.ts';

export interface RequestProblem {
  message: string;
  param?: string;
  code?: string;
}

const missing = (param: string): RequestProblem => ({
  message: `Missing required parameter: '${param}'.`,
  param,
  code: 'missing_required_parameter',
});
const anthropicMissing = (field: string): RequestProblem => ({ message: `${field}: Field required` });

/** The first problem with the request, or undefined when the endpoint would accept it. */
export function findProblem(
  route: MockRoute,
  body: Record<string, unknown> | undefined,
  anthropicVersion: unknown,
  prefill: PrefillMode = 'ignore',
): RequestProblem | undefined {
  if (prefill === 'refuse' && body && assistantPrefill(body.messages) !== undefined) {
    return isAnthropicRoute(route)
      ? {
          message:
            'This model does not support assistant message prefill. The conversation must end with a user message.',
        }
      : {
          message:
            'The last message must have the user or tool role: this model cannot continue an assistant message (prefill).',
          param: 'messages',
          code: 'invalid_value',
        };
  }
  if (isAnthropicRoute(route)) {
    if (anthropicVersion === undefined) return { message: 'anthropic-version: header is required' };
    if (!body) return { message: 'Invalid JSON in request body' };
    if (typeof body.model !== 'string') return anthropicMissing('model');
    if (!Array.isArray(body.messages)) return anthropicMissing('messages');
    if (route === 'messages' && typeof body.max_tokens !== 'number') return anthropicMissing('max_tokens');
    const prefill = assistantPrefill(body.messages);
    if (prefill !== undefined && /\s$/.test(prefill))
      return { message: 'messages: final assistant content cannot end with trailing whitespace' };
    return undefined;
  }
  if (!body) {
    return {
      message:
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The API expects a JSON payload.)",
    };
  }
  if (typeof body.model !== 'string' || body.model === '')
    return { message: 'you must provide a model parameter' };
  if (route === 'chat' && !Array.isArray(body.messages)) return missing('messages');
  if (route === 'embeddings' && body.input === undefined) return missing('input');
  return undefined;
}
