// Live progress of a load test: on a terminal one line redrawn in place, elsewhere (a pipe, a CI
// log) a plain line about once a second.
import type { Clock } from '../time/clock.ts';
import { runShare } from './plan.ts';

export interface ProgressView {
  readonly elapsedMs: number;
  readonly ok: number;
  readonly failed: number;
  readonly aborted: number;
  readonly inFlight: number;
  readonly durationMs: number;
  readonly requests: number | undefined;
}

const BAR_WIDTH = 24;
export const TTY_REDRAW_MS = 200;
export const PLAIN_EVERY_MS = 1000;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function progressLine(v: ProgressView, bar: boolean): string {
  const done = v.ok + v.failed + v.aborted;
  const rate = v.elapsedMs > 0 ? (done * 1000) / v.elapsedMs : 0;
  const filled = Math.round(runShare(v, v.elapsedMs, done) * BAR_WIDTH);
  const head = bar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
  const count = v.requests === undefined ? `${done}` : `${done}/${v.requests}`;
  return (
    `${head}${seconds(v.elapsedMs)}/${seconds(v.durationMs)}${v.elapsedMs > v.durationMs && v.inFlight > 0 ? ' finishing' : ''}  done ${count}  ok ${v.ok}  failed ${v.failed}` +
    `  in flight ${v.inFlight}  ${rate.toFixed(1)} req/s`
  );
}

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface Progress {
  /** Draws the last state and ends the line. */
  stop(): void;
}

export function startProgress(clock: Clock, out: ProgressOutput, read: () => ProgressView): Progress {
  const tty = out.isTTY === true;
  let cancel = () => {};
  const draw = () => {
    // `\x1b[K` clears what a longer previous line left behind.
    out.write(tty ? `\r${progressLine(read(), true)}\x1b[K` : `${progressLine(read(), false)}\n`);
  };
  const tick = () => {
    draw();
    cancel = clock.setTimer(tty ? TTY_REDRAW_MS : PLAIN_EVERY_MS, tick);
  };
  if (tty) draw();
  cancel = clock.setTimer(tty ? TTY_REDRAW_MS : PLAIN_EVERY_MS, tick);
  return {
    stop() {
      cancel();
      draw();
      if (tty) out.write('\n');
    },
  };
}
