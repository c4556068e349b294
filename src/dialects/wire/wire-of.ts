// Which wire format an answer is in: the API the client called, not the provider behind it (an
// OpenAI-compatible server can serve `/v1/messages`; Anthropic serves `/v1/chat/completions`).
import type { StreamExpectation, StreamObserver, Usage, WireFamily } from '../types.ts';
import { anthropicUsage, observeAnthropicStream } from './anthropic-wire.ts';
import { genericUsage, observeGenericStream } from './generic-wire.ts';
import { observeOpenaiStream, openaiUsage } from './openai-wire.ts';

export interface Wire {
  usageFromBody(body: unknown): Usage | undefined;
  observeStream(expect?: StreamExpectation): StreamObserver;
  /** Whether its streams are events of JSON with an end marker (generic ones are bytes). */
  readonly marked: boolean;
  /** The end marker the client waits for, added when an upstream ends a whole answer without it. */
  readonly terminator: string;
}

const WIRES: Readonly<Record<WireFamily, Wire>> = {
  openai: {
    usageFromBody: openaiUsage,
    observeStream: observeOpenaiStream,
    marked: true,
    terminator: 'data: [DONE]\n\n',
  },
  anthropic: {
    usageFromBody: anthropicUsage,
    observeStream: observeAnthropicStream,
    marked: true,
    terminator: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  },
  generic: {
    usageFromBody: genericUsage,
    observeStream: observeGenericStream,
    marked: false,
    terminator: '',
  },
};

/** Streams of these endpoints have an end marker; elsewhere a clean end of the body is the end. */
const MARKED_STREAMS = new Set(['/v1/chat/completions', '/v1/completions', '/v1/responses', '/v1/messages']);

export function wireOf(path: string, upstreamFamily: WireFamily): Wire {
  if (upstreamFamily === 'generic' || !MARKED_STREAMS.has(path)) return WIRES.generic;
  return path === '/v1/messages' ? WIRES.anthropic : WIRES.openai;
}

/** Usage from a JSON answer of any API path (count_tokens, embeddings, ...). */
export function usageWireOf(path: string, upstreamFamily: WireFamily): Wire {
  if (upstreamFamily === 'generic') return WIRES.generic;
  return path.startsWith('/v1/messages') ? WIRES.anthropic : WIRES.openai;
}
