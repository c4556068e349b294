// OpenAI embeddings: deterministic unit vectors per input, as floats or base64 (the SDK's default).
import { estimateTokens } from './mock-content.ts';

/** The inputs of an embeddings request as strings (token arrays are hashed by their numbers). */
function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((item) => typeof item === 'number')) return [input.join(',')];
  return input.map((item) => (typeof item === 'string' ? item : Array.isArray(item) ? item.join(',') : ''));
}

export function embeddingInputTokens(body: Record<string, unknown>): number {
  const input = body.input;
  if (Array.isArray(input) && input.every((item) => typeof item === 'number')) return input.length;
  let tokens = 0;
  if (Array.isArray(input)) {
    for (const item of input) {
      tokens += Array.isArray(item)
        ? item.length
        : typeof item === 'string'
          ? estimateTokens(item.length)
          : 0;
    }
  } else if (typeof input === 'string') tokens = estimateTokens(input.length);
  return tokens;
}

/** A unit-length vector seeded by the text (FNV-1a into mulberry32), so equal inputs embed equally. */
function vectorFor(text: string, dims: number): Float32Array {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
  const vector = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dims; i++) vector[i] = vector[i]! * scale;
  return vector;
}

export function embeddingJson(body: Record<string, unknown>, model: string, inputTokens: number): string {
  const dims =
    typeof body.dimensions === 'number' && body.dimensions > 0 && body.dimensions <= 8192
      ? Math.floor(body.dimensions)
      : 1536;
  const base64 = body.encoding_format === 'base64';
  const data = embeddingInputs(body.input).map((text, index) => {
    const vector = vectorFor(text, dims);
    return {
      object: 'embedding',
      index,
      embedding: base64
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
        : Array.from(vector),
    };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  });
}
