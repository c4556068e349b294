// Regenerate and verify: a continuation that asked for the whole answer again may go on into the
// client's stream only if it starts with exactly the text the client already has. Its text is held
// until it covers that text; then what comes after goes on, or the answers diverged.

export type Verification = 'verifying' | 'verified' | 'diverged';

export class RegeneratedText {
  readonly #expected: string;
  #seen = 0;
  #state: Verification;

  constructor(expected: string) {
    this.#expected = expected;
    this.#state = expected === '' ? 'verified' : 'verifying';
  }

  get state(): Verification {
    return this.#state;
  }

  /** Takes the next piece of regenerated text; returns the part the client does not have yet. */
  take(piece: string): string {
    if (this.#state !== 'verifying') return this.#state === 'verified' ? piece : '';
    const at = this.#seen;
    const overlap = Math.min(piece.length, this.#expected.length - at);
    if (piece.slice(0, overlap) !== this.#expected.slice(at, at + overlap)) {
      this.#state = 'diverged';
      return '';
    }
    this.#seen += overlap;
    if (this.#seen < this.#expected.length) return '';
    this.#state = 'verified';
    return piece.slice(overlap);
  }

  /** The regenerated text ended: if it never covered the client's, the answers differ. */
  ended(): void {
    if (this.#state === 'verifying') this.#state = 'diverged';
  }
}
