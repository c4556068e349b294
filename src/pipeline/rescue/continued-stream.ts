// What a rescued stream of either API keeps about its continuations: whether one is under way, and
// how it goes on: by prefill when the target can take one (and there is text to prefill), else
// regenerated and checked against the text the client has. A refused prefill switches every later
// continuation to regenerating. The API-specific rescues extend it.
import type { PrefillStyle } from '../../dialects/prefill.ts';
import { RegeneratedText } from './regenerated-text.ts';

export class ContinuedStream {
  #started = false;
  #prefillRefused = false;
  #regenerated: RegeneratedText | undefined;

  /** A continuation is under way: its events are spliced into the client's stream. */
  get splicing(): boolean {
    return this.#started;
  }

  /** Set while the continuation regenerates the whole answer. */
  protected get regenerated(): RegeneratedText | undefined {
    return this.#regenerated;
  }

  get diverged(): boolean {
    return this.#regenerated?.state === 'diverged';
  }

  /** A regenerated answer that has not (yet) been shown to start with the client's text. */
  get unverified(): boolean {
    return this.#regenerated !== undefined && this.#regenerated.state !== 'verified';
  }

  get prefilled(): boolean {
    return this.#started && this.#regenerated === undefined;
  }

  refusePrefill(): void {
    this.#prefillRefused = true;
  }

  /** Starts the next continuation; true when it goes by prefill (in `style`, which then is one). */
  protected startContinuation(
    style: PrefillStyle,
    clientText: string,
    prefill: string,
  ): style is Exclude<PrefillStyle, 'none'> {
    this.#started = true;
    if (style === 'none' || this.#prefillRefused || prefill === '') {
      this.#regenerated = new RegeneratedText(clientText);
      return false;
    }
    this.#regenerated = undefined;
    return true;
  }
}
