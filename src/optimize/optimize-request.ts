// Context optimization of a chat request: fewer tokens for what the model needs. Lossless
// compaction of every tool output (a pure function of it, so earlier turns stay byte-stable for
// the provider's prefix cache); lossy JSON crushing and dedupe only within the lossy scope; and
// opt-in Anthropic cache breakpoints. Copy-on-write: the input, which the cache keys on, is never
// touched, and any transform that throws leaves its output as it was.
import { estimateInputTokens } from '../dialects/wire/estimate.ts';
import { compactPlainText } from './compact-text.ts';
import { crushJson } from './crush-json.ts';
import { minifyJson } from './json/json-minify.ts';
import { scanJson } from './json/json-scan.ts';
import { addCacheBreakpoints } from './prompt-cache.ts';
import { queryTermsOf } from './relevance.ts';
import { SeenOutputs, sameTexts } from './seen-outputs.ts';
import {
  type Dialect,
  findToolOutputs,
  isTextOnly,
  latestUserText,
  type ToolOutput,
  textsOf,
  withTexts,
} from './tool-outputs.ts';

export interface OptimizeOptions {
  /** Lossy: keep a representative subset of big JSON arrays. */
  crushJson: boolean;
  /** Lossless: minify pretty JSON, drop trailing spaces and runs of blank lines. */
  compact: boolean;
  /** A tool output identical to an earlier one becomes a short reference to it. */
  dedupe: boolean;
  /** Anthropic only: add cache_control breakpoints when the client set none. */
  promptCache: boolean;
  /** 'newest': lossy transforms only on the tool outputs answering the last tool calls. */
  lossyScope: 'newest' | 'all';
  /** Tool outputs below this many estimated tokens are not crushed. */
  minTokens: number;
  /** Cap on items kept from one array (items with errors are kept past it). */
  maxItems: number;
}

export interface OptimizeChanges {
  crushed: number;
  compacted: number;
  deduped: number;
  breakpoints: number;
  itemsDropped: number;
}

export interface OptimizeResult {
  /** A new body, or undefined when nothing changed. */
  body: Record<string, unknown> | undefined;
  tokensBefore: number;
  tokensAfter: number;
  changes: OptimizeChanges;
}

export const DEFAULT_OPTIMIZE_OPTIONS: Readonly<OptimizeOptions> = Object.freeze({
  crushJson: true,
  compact: true,
  dedupe: true,
  promptCache: false,
  lossyScope: 'newest',
  minTokens: 500,
  maxItems: 40,
});

/** The note that replaces a repeated tool output. */
export function sameOutputNote(id: string): string {
  return `[same output as the tool call ${id} above]`;
}

interface TextResult {
  text: string;
  crushed: boolean;
  dropped: number;
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return c;
  }
  return 0;
}

/** One text of a tool output, compacted and (when lossy is allowed) crushed. */
function optimizeText(
  text: string,
  lossy: boolean,
  opts: OptimizeOptions,
  terms: () => string[],
): TextResult {
  const first = firstNonSpace(text);
  if (first === 91 || first === 123) {
    const crushable = lossy && opts.crushJson && text.length / 4 >= opts.minTokens;
    const scan = scanJson(text, crushable);
    if (scan) {
      if (crushable) {
        try {
          const crushed = crushJson(text, scan, { maxItems: opts.maxItems, queryTerms: terms() });
          if (crushed) return { text: crushed.text, crushed: true, dropped: crushed.dropped };
        } catch {
          // a crushing bug must not fail the request: the output is only compacted
        }
      }
      const compacted = opts.compact && scan.spaced ? minifyJson(text, scan.codes) : text;
      return { text: compacted, crushed: false, dropped: 0 };
    }
  }
  return { text: opts.compact ? compactPlainText(text) : text, crushed: false, dropped: 0 };
}

/** Copy-on-write edits of `messages`: each message and content array copied once, on first change. */
function createMessageEditor(dialect: Dialect, messages: unknown[]) {
  let copy: unknown[] | undefined;
  const copied = new Set<number>();
  return {
    setContent(output: ToolOutput, content: unknown): void {
      copy ??= [...messages];
      const i = output.message;
      if (!copied.has(i)) {
        const m = copy[i] as Record<string, unknown>;
        copy[i] = dialect === 'anthropic' ? { ...m, content: [...(m.content as unknown[])] } : { ...m };
        copied.add(i);
      }
      const message = copy[i] as Record<string, unknown>;
      if (output.block === undefined) {
        message.content = content;
        return;
      }
      const blocks = message.content as unknown[];
      blocks[output.block] = { ...(blocks[output.block] as Record<string, unknown>), content };
    },
    result: (): unknown[] | undefined => copy,
  };
}

function transformOutputs(
  dialect: Dialect,
  messages: unknown[],
  opts: OptimizeOptions,
  changes: OptimizeChanges,
): unknown[] | undefined {
  const editor = createMessageEditor(dialect, messages);
  let terms: string[] | undefined;
  const queryTerms = () => {
    terms ??= queryTermsOf(latestUserText(messages));
    return terms;
  };
  const seen = new SeenOutputs();
  for (const output of findToolOutputs(dialect, messages)) {
    const lossy = opts.lossyScope === 'all' || output.newest;
    const texts = textsOf(output.content);
    if (texts.length === 0) continue;
    const keyed = opts.dedupe && isTextOnly(output.content);
    const { isError } = output;
    if (keyed && lossy && dedupe(output, seen.idOf(texts, isError), texts, editor, changes)) continue;
    const results = texts.map((text) => {
      try {
        return optimizeText(text, lossy, opts, queryTerms);
      } catch {
        return { text, crushed: false, dropped: 0 };
      }
    });
    const outTexts = results.map((r) => r.text);
    const crushed = results.some((r) => r.crushed);
    if (keyed && !crushed) {
      const compacted = !sameTexts(outTexts, texts);
      if (lossy && compacted && dedupe(output, seen.idOf(outTexts, isError), texts, editor, changes))
        continue;
      if (output.id !== undefined) seen.add(outTexts, isError, output.id);
    }
    if (keyed && output.id !== undefined) seen.add(texts, isError, output.id);
    if (outTexts.every((t, k) => t === texts[k])) continue;
    editor.setContent(output, withTexts(output.content, outTexts));
    if (crushed) changes.crushed++;
    else changes.compacted++;
    for (const r of results) changes.itemsDropped += r.dropped;
  }
  return editor.result();
}

/** Replaces the output by a note pointing at the earlier identical one, when that is shorter. */
function dedupe(
  output: ToolOutput,
  earlier: string | undefined,
  texts: string[],
  editor: ReturnType<typeof createMessageEditor>,
  changes: OptimizeChanges,
): boolean {
  if (earlier === undefined || earlier === output.id) return false;
  const note = sameOutputNote(earlier);
  if (texts.reduce((sum, t) => sum + t.length, 0) <= note.length) return false;
  const content = typeof output.content === 'string' ? note : [{ type: 'text', text: note }];
  editor.setContent(output, content);
  changes.deduped++;
  return true;
}

/** The optimized request; `body` undefined when nothing changed. Never throws. */
export function optimizeRequest(
  dialect: 'openai' | 'anthropic',
  body: Record<string, unknown>,
  opts: OptimizeOptions,
): OptimizeResult {
  const changes: OptimizeChanges = { crushed: 0, compacted: 0, deduped: 0, breakpoints: 0, itemsDropped: 0 };
  const tokensBefore = estimateInputTokens(body);
  let out: Record<string, unknown> | undefined;
  try {
    if (Array.isArray(body.messages)) {
      const messages = transformOutputs(dialect, body.messages, opts, changes);
      if (messages) out = { ...body, messages };
    }
  } catch {
    out = undefined;
    Object.assign(changes, { crushed: 0, compacted: 0, deduped: 0, itemsDropped: 0 });
  }
  if (dialect === 'anthropic' && opts.promptCache) {
    try {
      const cached = addCacheBreakpoints(out ?? body);
      if (cached) {
        out = cached.body;
        changes.breakpoints = cached.breakpoints;
      }
    } catch {
      // breakpoints are an extra: the request goes without them
    }
  }
  const tokensAfter = out ? estimateInputTokens(out) : tokensBefore;
  return { body: out, tokensBefore, tokensAfter, changes };
}
