// Plain REST APIs: bodies are not read, so there is no usage; a stream is complete when it ends.
import type { StreamObserver } from '../types.ts';

const done: StreamObserver = {
  push() {},
  event: () => true,
  usage: () => undefined,
  finished: () => true,
  complete: () => true,
  upstreamError: () => undefined,
};

export function genericUsage(): undefined {
  return undefined;
}

export function observeGenericStream(): StreamObserver {
  return done;
}
