// Built-in provider presets: where each provider lives, how it speaks, and which models go to it.
import type { DialectName } from '../dialects/types.ts';

export interface ProviderPreset {
  readonly name: string;
  readonly url: string;
  readonly dialect: DialectName;
  /** Env var holding one key; the same name with an S holds a comma-separated pool. */
  readonly keyEnv: string;
  /** Model globs routed here, after the user's own routes. */
  readonly models: readonly string[];
  /** Per-key limits known to apply when the provider sends no headers to learn from. */
  readonly limits?: { readonly rpm?: number };
}

// Order matters where globs overlap (`llama*`): the first preset that is switched on wins.
export const providerPresets: readonly ProviderPreset[] = [
  {
    name: 'openai',
    url: 'https://api.openai.com',
    dialect: 'openai',
    keyEnv: 'OPENAI_API_KEY',
    models: [
      'gpt-*',
      'o[0-9]*',
      'chatgpt-*',
      'codex-*',
      'text-embedding-*',
      'omni-moderation-*',
      'text-moderation-*',
      'dall-e-*',
      'whisper-*',
      'tts-*',
      'davinci-*',
      'babbage-*',
    ],
  },
  {
    name: 'anthropic',
    url: 'https://api.anthropic.com',
    dialect: 'anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    models: ['claude-*'],
  },
  {
    name: 'cerebras',
    url: 'https://api.cerebras.ai',
    dialect: 'cerebras',
    keyEnv: 'CEREBRAS_API_KEY',
    models: ['llama*', 'qwen-*', 'gpt-oss-*', 'zai-glm-*'],
  },
  {
    name: 'groq',
    url: 'https://api.groq.com/openai/v1',
    dialect: 'groq',
    keyEnv: 'GROQ_API_KEY',
    models: ['llama*', 'gemma*', 'mixtral-*', 'meta-llama/*', 'openai/gpt-oss-*', 'moonshotai/*', 'qwen/*'],
  },
  {
    name: 'nvidia',
    url: 'https://integrate.api.nvidia.com/v1',
    dialect: 'nvidia',
    keyEnv: 'NVIDIA_API_KEY',
    models: [
      'meta/*',
      'nvidia/*',
      'mistralai/*',
      'google/*',
      'microsoft/*',
      'deepseek-ai/*',
      'qwen/*',
      'ibm/*',
    ],
    limits: { rpm: 40 },
  },
];
