// OpenAI embeddings: deterministic bag-of-words unit vectors, as floats or base64 (the SDK's default).
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

// Common words that carry no topic, dropped so that phrasings of one question meet.
const STOP_WORDS = new Set(
  (
    'a an the is are was were be been am it its this that these those there here of to in on at by for ' +
    'from with about as into and or but if so than then not no what which who whom whose how why when ' +
    'where me my mine i we us our you your he she they them their do does did doing have has had can ' +
    'could would should will shall may might must please tell give show let know want like just some any ' +
    'hi hello hey thanks thank'
  ).split(' '),
);

/** Suffixes a crude stemmer strips, longest first ("baking", "baked", "bakes", "bake" all give "bak"). */
const SUFFIXES = ['ing', 'ed', 'es', 's', 'e'];

/** Each word lands in this many signed dimensions: one collision then rarely cancels a word. */
const BUCKETS_PER_WORD = 2;

function stem(word: string): string {
  for (const suffix of SUFFIXES) {
    if (!word.endsWith(suffix) || word.length - suffix.length < 3) continue;
    // "class" is no plural of "clas".
    if (suffix === 's' && word.endsWith('ss')) return word;
    return word.slice(0, -suffix.length);
  }
  return word;
}

/** The words of a text that say what it is about, lowercased and stemmed. */
export function contentWords(text: string): string[] {
  const words: string[] = [];
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word !== '' && !STOP_WORDS.has(word)) words.push(stem(word));
  }
  return words;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * A unit vector for a text as a hashed bag of words (feature hashing): each content word adds +-1 in
 * a few dimensions picked by its hash, so texts sharing words point the same way -- paraphrases come
 * out close, unrelated texts near orthogonal, like a real embedding model at a glance. Equal inputs
 * embed equally; a text with no content words gets the first axis.
 */
export function vectorFor(text: string, dims: number): Float32Array {
  const vector = new Float32Array(dims);
  for (const word of contentWords(text)) {
    for (let bucket = 0; bucket < BUCKETS_PER_WORD; bucket++) {
      const hash = fnv1a(`${bucket}:${word}`);
      const index = Math.floor(hash / 2) % dims;
      vector[index] = vector[index]! + (hash & 1 ? -1 : 1);
    }
  }
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += vector[i]! * vector[i]!;
  // No words, or words whose signs cancelled out: still a unit vector, as a real model never gives zero.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(norm);
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
