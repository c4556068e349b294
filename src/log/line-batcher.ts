// Gathers log lines into large writes: one write per ~16 KB or 50 ms instead of one per line, so
// logging every request stays cheap. Lines keep their order; nothing is lost on exit.

/** What the batcher writes to (a sonic-boom destination). */
export interface LineDestination {
  write(data: string): boolean;
  flushSync(): void;
}

export interface LineBatcher {
  write(line: string): void;
  flush(): void;
  /** Writes everything now, synchronously (process exit). */
  flushSync(): void;
}

export interface LineBatcherOptions {
  maxChars?: number;
  maxDelayMs?: number;
}

export function createLineBatcher(dest: LineDestination, options: LineBatcherOptions = {}): LineBatcher {
  const maxChars = options.maxChars ?? 16_000;
  const maxDelayMs = options.maxDelayMs ?? 50;
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending === '') return;
    const data = pending;
    pending = '';
    dest.write(data);
  };
  return {
    write(line) {
      pending += line;
      if (pending.length >= maxChars) flush();
      else if (!timer) {
        timer = setTimeout(flush, maxDelayMs);
        timer.unref();
      }
    },
    flush,
    flushSync() {
      flush();
      try {
        dest.flushSync();
      } catch {
        // not ready yet (the file is still opening): the async write will still land
      }
    },
  };
}
