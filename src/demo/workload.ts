// The demo's requests: a fixed mix of prompt sizes, output bounds and streams, the same for both phases.
import { chatInputTokens } from '../mock/openai-responses.ts';

export interface DemoRequest {
  readonly index: number;
  readonly prompt: string;
  readonly maxTokens: number;
  readonly stream: boolean;
}

export const DEMO_MODEL = 'gpt-4o-mini';

const QUESTIONS = [
  'Name three lighthouses and the coast each one guards.',
  'Summarize the plot of a short story about a lighthouse keeper who finds a message in a bottle.',
  'Translate this shipping notice into plain English for a customer.',
  'Suggest a title for a blog post about rate limits.',
] as const;

// Context pasted before some questions, so prompts differ in size the way real ones do (chars ~ tokens x 4).
const CONTEXT = 'The harbour log for the week records tides, weather, arrivals and departures. ';
const CONTEXT_REPEATS = [0, 3, 8, 16, 24] as const;
const MAX_TOKENS = [40, 120, 60, 250, 80] as const;

/** `count` requests; request i is the same in every run (no randomness), the mix repeating every 60. */
export function buildWorkload(count: number): DemoRequest[] {
  return Array.from({ length: count }, (_, index) => {
    const context = CONTEXT.repeat(CONTEXT_REPEATS[Math.floor(index / 2) % CONTEXT_REPEATS.length]!);
    return {
      index,
      // Numbered, so no two are equal: the response cache answers none, and the demo shows shaping.
      prompt: `${context}${QUESTIONS[index % QUESTIONS.length]!} (question ${index + 1})`,
      maxTokens: MAX_TOKENS[index % MAX_TOKENS.length]!,
      // Every third request streams, as chat UIs do.
      stream: index % 3 === 2,
    };
  });
}

/** The chat/completions body the request is sent as (the SDK sends exactly this). */
export function chatBody(request: DemoRequest): {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user'; content: string }>;
} {
  return {
    model: DEMO_MODEL,
    max_tokens: request.maxTokens,
    messages: [{ role: 'user', content: request.prompt }],
  };
}

/** Tokens a provider charges at admission: the prompt estimate plus the output bound. */
export function requestTokens(request: DemoRequest): number {
  return chatInputTokens(chatBody(request)) + request.maxTokens;
}
