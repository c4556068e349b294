// Built-in provider presets: where each provider lives, how it speaks, and which models go to it.
import type { DialectName } from '../dialects/types.ts';

export interface ProviderPreset {
  readonly name: string;
  readonly url: string;
  readonly dialect: DialectName;
  /** Env var holding one key; the same name with an S holds a comma-separated pool. */
  readonly keyEnv: string;
  /** Model globs only this provider serves: routed here even with the client's own key. */
  readonly models: readonly string[];
  /**
   * Open-weight models many providers (and local servers) serve: routed here only when this preset
   * has keys or is named in the config, so a prompt never lands at a provider nobody chose.
   */
  readonly sharedModels: readonly string[];
  /** Per-key limits known to apply when the provider sends no headers to learn from. */
  readonly limits?: { readonly rpm?: number };
}

// Order matters where shared globs overlap (`llama*`): the first preset that claims them wins.
export const providerPresets: readonly ProviderPreset[] = [
  {
    name: 'openai',
    url: 'https://api.openai.com',
    dialect: 'openai',
    keyEnv: 'OPENAI_API_KEY',
    models: [
      'gpt-[0-9]*',
      'gpt-image-*',
      'gpt-realtime*',
      'gpt-audio*',
      'o[0-9]*',
      'chatgpt-*',
      'codex-*',
      'text-embedding-*',
      'omni-moderation-*',
      'text-moderation-*',
      'dall-e-*',
      'whisper-1',
      'tts-*',
      'davinci-*',
      'babbage-*',
    ],
    sharedModels: [],
  },
  {
    name: 'anthropic',
    url: 'https://api.anthropic.com',
    dialect: 'anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    models: ['claude-*'],
    sharedModels: [],
  },
  {
    name: 'cerebras',
    url: 'https://api.cerebras.ai',
    dialect: 'cerebras',
    keyEnv: 'CEREBRAS_API_KEY',
    models: [],
    sharedModels: ['llama*', 'qwen-*', 'gpt-oss-*', 'zai-glm-*'],
  },
  {
    name: 'groq',
    url: 'https://api.groq.com/openai/v1',
    dialect: 'groq',
    keyEnv: 'GROQ_API_KEY',
    models: [],
    sharedModels: [
      'llama*',
      'gemma*',
      'mixtral-*',
      'meta-llama/*',
      'openai/gpt-oss-*',
      'moonshotai/*',
      'qwen/*',
      'whisper-large-*',
    ],
  },
  {
    name: 'nvidia',
    url: 'https://integrate.api.nvidia.com/v1',
    dialect: 'nvidia',
    keyEnv: 'NVIDIA_API_KEY',
    models: [],
    sharedModels: [
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
