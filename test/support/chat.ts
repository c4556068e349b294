// The chat call the fallback suites make: the route they define is named `smart`.
import type { TestGateway } from './gateway.ts';

export function chatSmart(gw: TestGateway, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'smart',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    }),
  });
}

/** Chat request number `i` (its prompt names it), with `headers` added. */
export function chatNumbered(
  gw: TestGateway,
  i: number,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user', content: `request ${i}` }],
    }),
  });
}
