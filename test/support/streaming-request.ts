// A chat completion streamed over a connection of its own, read as it comes: tests wait for what it
// has received so far, abort it mid-stream, and compare the bytes.
import { type ClientRequest, type IncomingHttpHeaders, request } from 'node:http';
import type { TestGateway } from './gateway.ts';

/** One streaming request on a connection of its own, read as it comes. */
export class Streaming {
  readonly headers: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** The whole body once it ended; rejects when the connection broke first. */
  readonly done: Promise<string>;
  #text = '';
  #waits: { ok: (text: string) => boolean; resolve: () => void; reject: (err: Error) => void }[] = [];
  #over = false;
  #req: ClientRequest | undefined;

  constructor(gw: TestGateway, body: string, headers: Record<string, string> = {}) {
    const url = new URL(gw.url);
    let head!: (h: { status: number; headers: IncomingHttpHeaders }) => void;
    let failHead!: (err: Error) => void;
    this.headers = new Promise((resolve, reject) => {
      head = resolve;
      failHead = reject;
    });
    this.done = new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/chat/completions',
          agent: false,
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-tenant-live', ...headers },
        },
        (res) => {
          head({ status: res.statusCode ?? 0, headers: res.headers });
          res.setEncoding('utf8');
          res.on('data', (text: string) => {
            this.#text += text;
            this.#check();
          });
          res.on('end', () => {
            this.#end();
            resolve(this.#text);
          });
          res.on('error', (err) => {
            this.#end();
            reject(err);
          });
        },
      );
      req.on('error', (err) => {
        failHead(err);
        this.#end();
        reject(err);
      });
      req.end(body);
      this.#req = req;
    });
    // Tests that break a connection on purpose look at `done` themselves.
    this.done.catch(() => {});
    this.headers.catch(() => {});
  }

  get text(): string {
    return this.#text;
  }

  /** Resolves once the body so far satisfies `ok`; rejects if it ends before. */
  until(ok: (text: string) => boolean): Promise<void> {
    if (ok(this.#text)) return Promise.resolve();
    if (this.#over) return Promise.reject(new Error(`ended without it: ${this.#text}`));
    return new Promise((resolve, reject) => this.#waits.push({ ok, resolve, reject }));
  }

  /** Its client goes away. */
  abort(): void {
    this.#req!.destroy();
  }

  #check(): void {
    this.#waits = this.#waits.filter((w) => {
      if (!w.ok(this.#text)) return true;
      w.resolve();
      return false;
    });
  }

  #end(): void {
    this.#over = true;
    for (const w of this.#waits) w.reject(new Error(`ended without it: ${this.#text}`));
    this.#waits = [];
  }
}
