// Collects what a cacheable miss sends its client, byte for byte, as the relay writes it; up to a
// bound, past which it lets go (an answer too big to keep is simply not kept).

export class AnswerRecorder {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #over = false;
  /** The relay ended the answer as a success (a whole body, a finished stream). */
  succeeded = false;
  /** The answer is a continued stream, or was cut: not a clean copy of one exchange. */
  spoiled = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  data(chunk: Buffer | string): void {
    if (this.#over) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    this.#size += bytes.length;
    if (this.#size > this.#limit) {
      this.#over = true;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(bytes);
  }

  /** The whole body, when it was all recorded and ended well. */
  body(): Buffer | undefined {
    if (this.#over || this.spoiled || !this.succeeded) return undefined;
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
  }
}
