// NVIDIA NIM (integrate.api.nvidia.com): OpenAI-compatible, but sends no rate-limit headers at all,
// so its limits come only from configuration (about 40 RPM on the free catalog).
import type { Dialect } from './types.ts';
import { observeOpenaiStream, openaiUsage } from './wire/openai-wire.ts';

export const nvidia: Dialect = {
  name: 'nvidia',
  family: 'openai',
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimitHeaders: [],
  // Some NIM models reject `stream_options`; never add it on our own.
  streamUsageOption: false,
  usageFromBody: openaiUsage,
  observeStream: observeOpenaiStream,
};
