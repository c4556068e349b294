// The mock upstream server: accepts and records requests, dispatches them, and exposes the handle tests drive.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Exchange, exchangeEvents } from './exchange.ts';
import { createFaultRules } from './faults.ts';
import { DEFAULT_REPLY } from './mock-content.ts';
import { MockPromptCache } from './prompt-cache.ts';
import { createRateLimitState } from './rate-limit-state.ts';
import { handleExchange, type MockState } from './request-handler.ts';
import { EMPTY_BODY, keyOf, readBody } from './request-reader.ts';
import { isLlmRoute, resolveRoute } from './routes.ts';
import type { MockUpstream, MockUpstreamOptions, ReceivedRequest } from './types.ts';

export type * from './types.ts';

const ARRIVED = 'arrived';
const BODY = 'body';

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const dialect = options.dialect ?? 'openai';
  const now = options.now ?? Date.now;
  let recording = options.record ?? true;
  const maxKeep = options.maxRecordedBodyBytes ?? 8 * 1024 * 1024;
  const state: MockState = {
    dialect,
    keys: options.keys ? new Set(options.keys) : undefined,
    organization: options.organization,
    sendLimitHeaders: (options.sendLimitHeaders ?? true) && dialect !== 'nvidia',
    latencyMs: options.latencyMs ?? 0,
    chunkDelayMs: options.chunkDelayMs ?? 0,
    streamChunks: options.streamChunks ?? 5,
    reply: options.reply ?? DEFAULT_REPLY,
    now,
    faults: createFaultRules(),
    limits: createRateLimitState(options.limits),
    stepMode: false,
    models: options.models,
    promptCache: new MockPromptCache(),
    prefill: {
      continue: new Set(options.prefill?.continue ?? []),
      refuse: new Set(options.prefill?.refuse ?? []),
    },
  };
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const received: ReceivedRequest[] = [];
  const active = new Map<number, Exchange>();
  const finishedChunks = new Map<number, number>();
  const sockets = new Set<Socket>();
  const pendingWaits = new Set<(error: Error) => void>();
  let nextId = 1;
  let arrived = 0;
  let closing: Promise<void> | undefined;

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const match = resolveRoute(method, path);
    const record: ReceivedRequest = {
      id: nextId++,
      method,
      path,
      headers: req.headers,
      body: EMPTY_BODY,
      key: keyOf(req.headers),
      at: now(),
      bodyBytes: 0,
      route: match.route,
    };
    const ex = new Exchange(record, res, events);
    active.set(record.id, ex);
    if (recording) received.push(record);
    res.once('close', () => {
      active.delete(record.id);
      if (recording) finishedChunks.set(record.id, ex.chunks);
    });
    readBody(
      req,
      record,
      {
        maxKeep,
        parseJson: isLlmRoute(match.route),
        onProgress: () => events.emit(BODY),
      },
      () => {
        arrived++;
        events.emit(ARRIVED);
        handleExchange(state, ex, match);
      },
    );
  }

  const server = createServer(onRequest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('mock upstream: no TCP address');
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;

  /** Re-checks `check` on every named event until it returns a value (resolve) or an Error (reject). */
  function waitFor<T>(names: readonly string[], check: () => T | Error | undefined): Promise<T> {
    const first = check();
    if (first instanceof Error) return Promise.reject(first);
    if (first !== undefined) return Promise.resolve(first);
    if (closing) return Promise.reject(new Error('mock upstream is closed'));
    return new Promise<T>((resolve, reject) => {
      const cleanup = () => {
        for (const name of names) events.off(name, onEvent);
        pendingWaits.delete(abort);
      };
      const abort = (error: Error) => {
        cleanup();
        reject(error);
      };
      function onEvent(): void {
        const result = check();
        if (result === undefined) return;
        cleanup();
        if (result instanceof Error) reject(result);
        else resolve(result);
      }
      for (const name of names) events.on(name, onEvent);
      pendingWaits.add(abort);
    });
  }

  const findRecord = (id: number) => active.get(id)?.record ?? received.find((r) => r.id === id);
  const isOver = (id: number) => id < nextId && !active.has(id);
  const chunksSent = (id: number) => active.get(id)?.chunks ?? finishedChunks.get(id) ?? 0;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    dialect,
    received,
    addFault: (rule) => state.faults.add(rule),
    clearFaults: () => state.faults.clear(),
    setRecording(on) {
      recording = on;
    },
    setLimits(limits) {
      state.limits = createRateLimitState(limits);
    },
    setStepMode(on) {
      state.stepMode = on;
      if (!on) for (const ex of active.values()) ex.wake();
    },
    release(count = 1) {
      for (const ex of active.values()) {
        ex.credits += count;
        ex.wake();
      }
    },
    chunksSent,
    waitForRequests: (n) => waitFor([ARRIVED], () => (arrived >= n ? true : undefined)).then(() => {}),
    waitForChunks: (id, n) =>
      waitFor([exchangeEvents.chunk, exchangeEvents.done], () => {
        if (chunksSent(id) >= n) return true;
        return isOver(id)
          ? new Error(`request ${id} ended after ${chunksSent(id)} of ${n} chunks`)
          : undefined;
      }).then(() => {}),
    waitForBodyBytes: (bytes, id) =>
      waitFor([BODY], () => {
        if (id !== undefined) {
          const record = findRecord(id);
          return record && record.bodyBytes >= bytes ? record : undefined;
        }
        for (const ex of active.values()) if (ex.record.bodyBytes >= bytes) return ex.record;
        return received.find((r) => r.bodyBytes >= bytes);
      }),
    waitForClose: (id) =>
      waitFor([exchangeEvents.closedEarly, exchangeEvents.done], () => {
        if (findRecord(id)?.closedEarly) return true;
        return isOver(id) ? new Error(`request ${id} finished without the client closing early`) : undefined;
      }).then(() => {}),
    reset() {
      received.length = 0;
      finishedChunks.clear();
      arrived = 0;
      state.faults.clear();
      state.limits.clear();
      state.stepMode = false;
      for (const ex of active.values()) ex.wake();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const ex of active.values()) ex.cutByMock = true;
        for (const abort of pendingWaits) abort(new Error('mock upstream closed'));
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
