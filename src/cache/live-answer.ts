// A leader's stream as it goes out, shared live with the coalesced followers of its flight: each
// one gets the same head, the bytes the leader's client has had so far (what the recorder kept, and
// nothing more), then every further chunk as the leader's client gets it, and the same end.
import type { Usage } from '../dialects/types.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { AnswerRecorder } from './answer-recorder.ts';
import type { StoredAnswer } from './stored-answer.ts';

/** What a follower's head repeats of the leader's. */
export interface LiveHead {
  readonly status: number;
  /** Upstream header name/value pairs worth replaying (`REPLAYED_HEADERS`), flat. */
  readonly headers: readonly string[];
  readonly upstream: string;
  /** Wall ms when the leader's answer started going out. */
  readonly storedAt: number;
  /** The stream is events with an end marker: a break is told in-band (else the connection is cut). */
  readonly errorsInBand: boolean;
}

/**
 * How the leader's answer ended: as its client got it (`usage` when it finished well), or broken
 * off (its upstream failed, or its client left and took the upstream call with it).
 */
export type LiveEnd =
  | { readonly kind: 'ended'; readonly usage: Usage | undefined }
  | { readonly kind: 'broken'; readonly error: GatewayError };

/** The part of a follower's response the answer writes to. */
export interface LiveSink {
  write(chunk: Buffer): boolean;
  readonly writableLength: number;
  destroy(): void;
}

export interface LiveFollower {
  readonly res: LiveSink;
  /** It is joining: its head goes out now, before the bytes so far. */
  joined(): void;
  /** The leader's answer is over; the follower ends its own response to match. */
  ended(end: LiveEnd): void;
}

export class LiveAnswer {
  readonly head: LiveHead;
  readonly #recorder: AnswerRecorder;
  /**
   * A follower whose socket holds more than this unsent, beyond the bytes so far it got on joining,
   * is cut off rather than buffered for.
   */
  readonly #maxBuffered: number;
  /** Each follower and the most its socket may hold unsent. */
  readonly #followers = new Map<LiveFollower, number>();
  #end: LiveEnd | undefined;
  #kept: StoredAnswer | undefined;

  constructor(recorder: AnswerRecorder, head: LiveHead, maxBuffered: number) {
    this.#recorder = recorder;
    this.head = head;
    this.#maxBuffered = maxBuffered;
  }

  /**
   * The answer as it was kept, once over: for a follower that came too late to join (a short
   * stream can go out whole before the followers waiting for it get to run).
   */
  get kept(): StoredAnswer | undefined {
    return this.#kept;
  }

  /** Following it now. */
  get followers(): number {
    return this.#followers.size;
  }

  /**
   * Starts `follower` on the answer; false when it cannot be: the answer is over, or the recorder
   * let go of its start (too big to keep), so the follower must go upstream on its own.
   */
  join(follower: LiveFollower): boolean {
    const sofar = this.#end ? undefined : this.#recorder.sofar();
    if (!sofar) return false;
    follower.joined();
    // At most what the recorder holds, so the socket's backlog is bounded by the same bound.
    for (const chunk of sofar) follower.res.write(chunk);
    // A late joiner starts with up to a whole recorded answer unsent: that much is not its fault.
    this.#followers.set(follower, follower.res.writableLength + this.#maxBuffered);
    if (this.#followers.size === 1) this.#recorder.watch(this.#forward);
    return true;
  }

  /** The follower's client left (or it was cut off): it gets nothing more. */
  leave(follower: LiveFollower): void {
    if (this.#followers.delete(follower) && this.#followers.size === 0) this.#recorder.watch(undefined);
  }

  /** The leader's answer is over (and `kept`, when it was): every follower ends the same way. */
  end(end: LiveEnd, kept?: StoredAnswer): void {
    if (this.#end) return;
    this.#end = end;
    this.#kept = kept;
    this.#recorder.watch(undefined);
    const followers = [...this.#followers.keys()];
    this.#followers.clear();
    for (const follower of followers) follower.ended(end);
  }

  // Goes on past the recorder's bound: a follower streaming already gets the whole answer.
  readonly #forward = (bytes: Buffer): void => {
    for (const [follower, most] of this.#followers) {
      const res = follower.res;
      if (!res.write(bytes) && res.writableLength > most) {
        // A follower that does not read must not make the gateway hold the stream for it.
        this.leave(follower);
        res.destroy();
      }
    }
  };
}
