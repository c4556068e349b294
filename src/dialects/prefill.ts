// How an upstream continues a trailing assistant message (a prefill): data per style, no switch.
// Stream rescue sends the text a client already has this way, so the model goes on from there.
//
//   none       it cannot (OpenAI itself answers such a request from scratch)
//   assistant  a final assistant message is continued as is (Anthropic, llama.cpp's server)
//   vllm       vLLM: the same, with `continue_final_message` (and no new generation prompt)
//   deepseek   DeepSeek's chat prefix completion: the message carries `prefix: true`
//   mistral    Mistral: the same flag

export const prefillStyles = ['none', 'assistant', 'vllm', 'deepseek', 'mistral'] as const;
export type PrefillStyle = (typeof prefillStyles)[number];

export interface PrefillMarks {
  /** Fields added to the trailing assistant message. */
  readonly message: Readonly<Record<string, unknown>>;
  /** Fields added to the request itself. */
  readonly request: Readonly<Record<string, unknown>>;
}

export const prefillMarks: Readonly<Record<Exclude<PrefillStyle, 'none'>, PrefillMarks>> = {
  assistant: { message: {}, request: {} },
  vllm: { message: {}, request: { continue_final_message: true, add_generation_prompt: false } },
  deepseek: { message: { prefix: true }, request: {} },
  mistral: { message: { prefix: true }, request: {} },
};

const REQUEST_MARKS = new Set(Object.values(prefillMarks).flatMap((m) => Object.keys(m.request)));

/** A request without the fields any style adds (before another continuation adds its own). */
export function withoutPrefillMarks(json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in json) if (!REQUEST_MARKS.has(key)) out[key] = json[key];
  return out;
}
