// Plain REST APIs: bodies are not read, so there is no usage; a stream is complete when it ends.
import type { StreamObserver } from '../types.ts';

const done: StreamObserver = {
  push() {},
  event() {},
  usage: () => undefined,
  finished: () => true,
  upstreamError: () => undefined,
};

export function genericUsage(): undefined {
  return undefined;
}

export function observeGenericStream(): StreamObserver {
  return done;
}
