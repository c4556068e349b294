// Maps a request to an endpoint by path suffix, so any base path works (`/v1/...`, `/openai/v1/...`).

export type MockRoute =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'models'
  | 'model'
  | 'messages'
  | 'count_tokens'
  | 'rest-stream'
  | 'echo';

export interface RouteMatch {
  route: MockRoute;
  /** For 'model': the id after `/models/` (NVIDIA ids contain a slash). */
  modelId?: string;
}

/** Routes whose request body is JSON the mock must understand (others are echoed as bytes). */
export function isLlmRoute(route: MockRoute): boolean {
  return route !== 'echo' && route !== 'rest-stream' && route !== 'models' && route !== 'model';
}

/** Routes that answer in Anthropic's shape whatever the mock's dialect. */
export function isAnthropicRoute(route: MockRoute): boolean {
  return route === 'messages' || route === 'count_tokens';
}

export function resolveRoute(method: string, url: string): RouteMatch {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (method === 'POST') {
    if (path.endsWith('/chat/completions')) return { route: 'chat' };
    if (path.endsWith('/messages/count_tokens')) return { route: 'count_tokens' };
    if (path.endsWith('/messages')) return { route: 'messages' };
    if (path.endsWith('/completions')) return { route: 'completions' };
    if (path.endsWith('/embeddings')) return { route: 'embeddings' };
    if (path.endsWith('/responses')) return { route: 'responses' };
  } else if (method === 'GET') {
    if (path.endsWith('/models')) return { route: 'models' };
    const at = path.indexOf('/models/');
    if (at !== -1) return { route: 'model', modelId: safeDecode(path.slice(at + 8)) };
    if (path.endsWith('/stream')) return { route: 'rest-stream' };
  }
  return { route: 'echo' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
