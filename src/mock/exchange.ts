// One request/response in flight: its record, chunk count, step-mode credits and the waits it can be in.
import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ReceivedRequest } from './types.ts';

type WaitKind = 'sleep' | 'wake' | 'drain' | 'close';

/** Events the mock's waiters listen to; payload is the request id. */
export const exchangeEvents = {
  chunk: 'chunk',
  closedEarly: 'closed-early',
  done: 'done',
} as const;

export class Exchange {
  readonly record: ReceivedRequest;
  readonly res: ServerResponse;
  chunks = 0;
  /** Chunks release() granted in step mode and not yet spent. */
  credits = 0;
  /** The connection is gone (either side). */
  closed = false;
  /** The mock itself cut the connection (reset/drop fault, close()), so it is not a client abort. */
  cutByMock = false;
  readonly #events: EventEmitter;
  #pending: { kind: WaitKind; resolve: () => void } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(record: ReceivedRequest, res: ServerResponse, events: EventEmitter) {
    this.record = record;
    this.res = res;
    this.#events = events;
    res.once('close', () => this.#onClose());
    res.on('drain', () => this.#settle('drain'));
  }

  /** Resolves after `ms`, or at once when the connection goes away. */
  sleep(ms: number): Promise<void> {
    return this.#wait('sleep', ms);
  }

  /** Resolves on wake() (release, step mode off) or when the connection goes away. */
  waitForWake(): Promise<void> {
    return this.#wait('wake');
  }

  /** Resolves when the socket drains after backpressure, or goes away. */
  waitForDrain(): Promise<void> {
    return this.#wait('drain');
  }

  /** Resolves only when the connection goes away (stalls and hangs). */
  waitForClose(): Promise<void> {
    return this.#wait('close');
  }

  wake(): void {
    this.#settle('wake');
  }

  /** A held answer waits for a release() (one credit), or for the connection to go away. */
  async held(): Promise<void> {
    while (this.credits === 0 && !this.closed) await this.waitForWake();
    if (this.credits > 0) this.credits--;
  }

  wroteChunk(): void {
    this.chunks++;
    this.#events.emit(exchangeEvents.chunk, this.record.id, this.chunks);
  }

  /**
   * The mock cuts the connection: `reset` sends a TCP RST at once; otherwise what was written is flushed
   * first and the connection then closes mid-body, as when an upstream dies after sending part of a stream.
   */
  cut(reset: boolean): void {
    this.cutByMock = true;
    const socket = this.res.socket;
    if (!socket || socket.destroyed) {
      this.res.destroy();
    } else if (reset) {
      socket.resetAndDestroy();
    } else {
      socket.once('finish', () => socket.destroy());
      socket.end();
    }
  }

  #wait(kind: WaitKind, ms?: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#pending = { kind, resolve };
      if (ms !== undefined) {
        this.#timer = setTimeout(() => this.#settle('sleep'), ms);
        this.#timer.unref();
      }
    });
  }

  #settle(kind: WaitKind | 'any'): void {
    const pending = this.#pending;
    if (!pending || (kind !== 'any' && pending.kind !== kind)) return;
    this.#pending = undefined;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    pending.resolve();
  }

  #onClose(): void {
    this.closed = true;
    if (!this.res.writableFinished && !this.cutByMock) {
      this.record.closedEarly = true;
      this.#events.emit(exchangeEvents.closedEarly, this.record.id);
    }
    this.#settle('any');
    this.#events.emit(exchangeEvents.done, this.record.id);
  }
}
