// Collects what a cacheable miss sends its client, byte for byte, as the relay writes it; up to a
// bound per answer and a bound for all answers being recorded at once, past which it lets go (an
// answer too big to keep is simply not kept). Coalesced followers of a stream watch it live.

/** Bytes held by all recorders together: many long streams at once cannot take the memory. */
export class RecordingPool {
  readonly limit: number;
  used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }
}

export class AnswerRecorder {
  readonly #limit: number;
  readonly #pool: RecordingPool;
  #chunks: Buffer[] = [];
  #size = 0;
  #over = false;
  #released = false;
  /** Sees every chunk as it goes out, kept or not (followers getting the stream live). */
  #watcher: ((bytes: Buffer) => void) | undefined;
  /** The relay ended the answer as a success (a whole body, a finished stream). */
  succeeded = false;
  /** The answer is a continued stream, or was cut: not a clean copy of one exchange. */
  spoiled = false;

  constructor(limit: number, pool: RecordingPool) {
    this.#limit = limit;
    this.#pool = pool;
  }

  data(chunk: Buffer | string): void {
    const watcher = this.#watcher;
    if (this.#released && watcher === undefined) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    if (!this.#released) this.#keep(bytes);
    // After keeping it: a follower that joins from now on finds this chunk among the bytes so far.
    watcher?.(bytes);
  }

  /** `watcher` sees each further chunk; undefined: nobody does (nothing per chunk is done for it). */
  watch(watcher: ((bytes: Buffer) => void) | undefined): void {
    this.#watcher = watcher;
  }

  /** The bytes recorded so far, in order; undefined once it let go of them (too big, or released). */
  sofar(): readonly Buffer[] | undefined {
    return this.#released ? undefined : this.#chunks;
  }

  /** The whole body, when it was all recorded and ended well. */
  body(): Buffer | undefined {
    if (this.#over || this.#released || this.spoiled || !this.succeeded) return undefined;
    const only = this.#chunks.length === 1 ? this.#chunks[0]! : undefined;
    if (only && only.byteLength === only.buffer.byteLength) return only;
    // Copied into memory of its own (never Node's shared 8 KiB pool, never a view into a socket
    // read), so a kept answer holds its own bytes and no more.
    const copy = Buffer.allocUnsafeSlow(this.#size);
    let at = 0;
    for (const chunk of this.#chunks) at += chunk.copy(copy, at);
    return copy;
  }

  /** Done with it: its bytes no longer count against the pool. */
  release(): void {
    this.#released = true;
    this.#pool.used -= this.#size;
    this.#size = 0;
    this.#chunks = [];
  }

  #keep(bytes: Buffer): void {
    if (this.#size + bytes.length > this.#limit || this.#pool.used + bytes.length > this.#pool.limit) {
      this.#over = true;
      this.release();
      return;
    }
    this.#size += bytes.length;
    this.#pool.used += bytes.length;
    this.#chunks.push(bytes);
  }
}
