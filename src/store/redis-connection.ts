// The gateway's one Redis client (`store.redis`), shared by all state kept in Redis: today the
// response cache, later key budgets and client limits. It fails fast: no offline queue, few
// retries, a bound on every command, so a dead or slow Redis turns into quick errors that callers
// answer locally (a cache miss) instead of requests piling up behind it.
//
//   ready ──close/end──> down ──(reconnect, backoff up to 2 s)──> ready
//     'up' emitted            'down' emitted
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { maskUrlCredentials } from '../config/mask.ts';
import type { Logger } from '../log/logger.ts';

export interface RedisSettings {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://` for TLS. */
  url: string;
  logger: Logger;
  /** A command without a reply by then fails (default 1 s). */
  commandTimeoutMs?: number;
  /** A connection attempt is given up after this (default 2 s). */
  connectTimeoutMs?: number;
}

export type ScriptArg = string | number | Buffer;

/** A Lua script registered on the connection, called with its keys and arguments. */
export type ScriptCall = (keys: readonly string[], args: readonly ScriptArg[]) => Promise<unknown>;

interface ConnectionEvents {
  up: [];
  down: [];
  /** The subscriber connection is back after a drop of its own: what it missed must be asked. */
  resubscribed: [];
}

/**
 * ioredis, loaded on the first connection, never at startup: a gateway without Redis has no use
 * for it. It is kept on 5.x on purpose: 6.x defines a subclass of String, which turns off one of
 * V8's string fast paths for the whole process (charCodeAt, startsWith, slice and JSON.stringify
 * 2-5x slower on every request of a gateway on Redis).
 */
let ioredis: typeof import('ioredis') | undefined;
function loadIoredis(): typeof import('ioredis') {
  ioredis ??= createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  return ioredis;
}

/** The longest wait between reconnection attempts. */
const MAX_BACKOFF_MS = 2_000;

export class RedisConnection extends EventEmitter<ConnectionEvents> {
  readonly client: Redis;
  /** The URL as it may be shown: the password masked. */
  readonly location: string;
  readonly #logger: Logger;
  readonly #scripts = new Map<string, { lua: string; call: ScriptCall }>();
  /** A second connection, made on the first subscribe: a subscribed client can send nothing else. */
  #subscriber: Redis | undefined;
  readonly #channels = new Map<string, (message: string) => void>();
  #healthy = false;
  #closing = false;
  /** One connection error is logged per outage, not one per reconnection attempt. */
  #saidError = false;

  constructor(settings: RedisSettings) {
    super();
    this.location = maskUrlCredentials(settings.url);
    this.#logger = settings.logger.child({ redis: this.location });
    const { Redis } = loadIoredis();
    this.client = new Redis(settings.url, {
      commandTimeout: settings.commandTimeoutMs ?? 1_000,
      connectTimeout: settings.connectTimeoutMs ?? 2_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(times * 100, MAX_BACKOFF_MS),
      connectionName: 'cooldown',
    });
    this.client.on('ready', () => this.#up());
    this.client.on('close', () => this.#down());
    this.client.on('end', () => this.#down());
    // Without a listener an error event would end the process; here it is logged once per outage.
    this.client.on('error', (err: Error) => {
      if (this.#saidError || this.#closing) return;
      this.#saidError = true;
      this.#logger.warn({ err: err.message }, 'Redis is not answering; it is retried in the background');
    });
  }

  /** Whether commands can be sent now (connected and ready). */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Resolves true once connected, or false when `ms` pass without a connection. */
  whenReady(ms: number): Promise<boolean> {
    if (this.#healthy) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off('up', onUp);
        resolve(ok);
      };
      const onUp = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.on('up', onUp);
    });
  }

  /**
   * A Lua script registered once under `name` and called by its SHA (EVALSHA; ioredis loads it
   * again by itself when a restarted Redis no longer knows it).
   */
  script(name: string, lua: string): ScriptCall {
    const known = this.#scripts.get(name);
    if (known !== undefined) {
      if (known.lua !== lua) throw new Error(`Redis script ${name} is registered with another body`);
      return known.call;
    }
    this.client.defineCommand(name, { lua });
    // defineCommand adds the method by name; the key count goes first when none was declared.
    const method = (this.client as unknown as Record<string, (...args: ScriptArg[]) => Promise<unknown>>)[
      name
    ]!;
    const call: ScriptCall = (keys, args) => method.call(this.client, keys.length, ...keys, ...args);
    this.#scripts.set(name, { lua, call });
    return call;
  }

  /**
   * Messages on `channel` go to `listener` (one per channel). The subscription is made again by
   * itself after a reconnection; messages published while disconnected are lost, which is why
   * callers treat them as hints (a wait ends sooner), never as the only wake-up. Resolves once
   * subscribed (or given up on: the hint is lost, nothing else).
   */
  subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    this.#channels.set(channel, listener);
    if (!this.#subscriber) {
      // Its offline queue holds only SUBSCRIBE commands, kept until a connection is ready.
      this.#subscriber = this.client.duplicate({
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        connectionName: 'cooldown-sub',
      });
      this.#subscriber.on('error', () => undefined);
      this.#subscriber.on('message', (ch: string, message: string) => this.#channels.get(ch)?.(message));
      this.#subscriber.on('ready', this.#onSubscriberReady);
    }
    return this.#subscriber.subscribe(channel).then(
      () => undefined,
      () => undefined,
    );
  }

  #subscriberWasReady = false;

  /**
   * Messages published while the subscriber was away are lost, even when the main connection never
   * dropped (then no 'up' says so). ioredis subscribes again right after 'ready'; subscribing here
   * once more resolves only after the server has confirmed, so listeners ask after that point and
   * miss nothing in between.
   */
  readonly #onSubscriberReady = (): void => {
    const subscriber = this.#subscriber;
    if (!this.#subscriberWasReady || !subscriber) {
      this.#subscriberWasReady = true;
      return;
    }
    subscriber.subscribe(...this.#channels.keys()).then(
      () => this.emit('resubscribed'),
      () => undefined,
    );
  };

  async close(): Promise<void> {
    this.#closing = true;
    this.#subscriber?.disconnect();
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
    this.#healthy = false;
  }

  #up(): void {
    this.#saidError = false;
    if (this.#healthy) return;
    this.#healthy = true;
    this.#logger.info('connected to Redis');
    this.emit('up');
  }

  #down(): void {
    if (!this.#healthy) return;
    this.#healthy = false;
    if (!this.#closing) this.#logger.warn('the connection to Redis is lost; reconnecting');
    this.emit('down');
  }
}
