// Collects what a cacheable miss sends its client, byte for byte, as the relay writes it; up to a
// bound per answer and a bound for all answers being recorded at once, past which it lets go (an
// answer too big to keep is simply not kept).

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
  /** The relay ended the answer as a success (a whole body, a finished stream). */
  succeeded = false;
  /** The answer is a continued stream, or was cut: not a clean copy of one exchange. */
  spoiled = false;

  constructor(limit: number, pool: RecordingPool) {
    this.#limit = limit;
    this.#pool = pool;
  }

  data(chunk: Buffer | string): void {
    if (this.#over) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    if (this.#size + bytes.length > this.#limit || this.#pool.used + bytes.length > this.#pool.limit) {
      this.#over = true;
      this.release();
      return;
    }
    this.#size += bytes.length;
    this.#pool.used += bytes.length;
    this.#chunks.push(bytes);
  }

  /** The whole body, when it was all recorded and ended well. */
  body(): Buffer | undefined {
    if (this.#over || this.spoiled || !this.succeeded) return undefined;
    if (this.#chunks.length !== 1) return Buffer.concat(this.#chunks, this.#size);
    const chunk = this.#chunks[0]!;
    if (chunk.byteLength === chunk.buffer.byteLength) return chunk;
    // A view into a bigger buffer (a socket read) is copied, unpooled, so a kept answer pins no more.
    const copy = Buffer.allocUnsafeSlow(chunk.byteLength);
    chunk.copy(copy);
    return copy;
  }

  /** Done with it: its bytes no longer count against the pool. */
  release(): void {
    this.#pool.used -= this.#size;
    this.#size = 0;
    this.#chunks = [];
  }
}
