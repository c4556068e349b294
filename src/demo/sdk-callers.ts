// The official OpenAI SDK as an app uses it, with its defaults (2 retries, its own backoff, retry-after obeyed).
// Each phase gets its own connection pool, closed at the end, so nothing is left open when the demo ends.
import OpenAI, { type ClientOptions } from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { chatBody, type DemoRequest } from './workload.ts';

export interface SdkCallers {
  /** Sends one request as caller `caller` and resolves when the whole answer (or stream) has arrived. */
  call(request: DemoRequest, caller: number): Promise<void>;
  close(): Promise<void>;
}

/** Caller `c` uses key `keys[c % keys.length]`, the way an app spreads its workers over its keys. */
export function sdkCallers(baseURL: string, keys: readonly string[]): SdkCallers {
  const agent = new Agent();
  // undici's own fetch with its own Agent (Node's built-in fetch bundles another undici version); its
  // Request and Response classes are undici's, which the SDK uses through the standard interface only.
  const fetch: NonNullable<ClientOptions['fetch']> = (input, init) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as object),
      dispatcher: agent,
    }) as never;
  const clients = keys.map((apiKey) => new OpenAI({ baseURL, apiKey, fetch }));
  return {
    async call(request, caller) {
      const client = clients[caller % clients.length]!;
      if (request.stream) {
        const stream = await client.chat.completions.create({ ...chatBody(request), stream: true });
        for await (const _chunk of stream) {
          // Read to the end: a stream counts as answered only once it has all arrived.
        }
      } else {
        await client.chat.completions.create(chatBody(request));
      }
    },
    close: () => agent.close(),
  };
}
