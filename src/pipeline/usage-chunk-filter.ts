// Removes the usage-only chunk (`"choices": []` plus `usage`) that the gateway asked an OpenAI-style
// upstream for, when the client did not ask for it. Works on whole SSE events; a partial event is
// held only until its end arrives.
import { hasObjectField } from '../dialects/wire/json-peek.ts';

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

export interface UsageChunkFilter {
  /** The text to send on from this chunk (whole events only). */
  push(text: string): string;
  /** Whatever is left when the stream ends. */
  flush(): string;
}

function boundary(text: string): number {
  const lf = text.indexOf('\n\n');
  const crlf = text.indexOf('\r\n\r\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + 4;
  return lf === -1 ? -1 : lf + 2;
}

function isUsageOnly(event: string): boolean {
  return event.includes('"usage"') && EMPTY_CHOICES.test(event) && hasObjectField(event, 'usage');
}

export function createUsageChunkFilter(): UsageChunkFilter {
  let pending = '';
  return {
    push(text) {
      pending += text;
      let out = '';
      for (let end = boundary(pending); end !== -1; end = boundary(pending)) {
        const event = pending.slice(0, end);
        pending = pending.slice(end);
        if (!isUsageOnly(event)) out += event;
      }
      return out;
    },
    flush() {
      const rest = pending;
      pending = '';
      return rest;
    },
  };
}
