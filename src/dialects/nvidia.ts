// NVIDIA NIM (integrate.api.nvidia.com): OpenAI-compatible, but sends no rate-limit headers at all,
// so its limits come only from configuration (about 40 RPM on the free catalog).
import { openaiCompatible } from './wire/openai-wire.ts';

// Some NIM models reject `stream_options`; never add it on our own.
export const nvidia = openaiCompatible('nvidia', [], { streamUsageOption: false });
