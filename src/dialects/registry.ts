// Every dialect by name. Adding a provider is adding its file and one line here.
import { anthropic } from './anthropic.ts';
import { cerebras } from './cerebras.ts';
import { generic } from './generic.ts';
import { groq } from './groq.ts';
import { nvidia } from './nvidia.ts';
import { openai } from './openai.ts';
import type { Dialect, DialectName } from './types.ts';

export const dialects: Readonly<Record<DialectName, Dialect>> = {
  openai,
  anthropic,
  cerebras,
  groq,
  nvidia,
  generic,
};

export const dialectNames = Object.keys(dialects) as DialectName[];
