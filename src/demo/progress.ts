// A live progress line per phase: redrawn in place on a terminal, a plain line every few seconds otherwise
// (a log file or a pipe gets a readable record instead of carriage returns).

export interface ProgressCounts {
  readonly done: number;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly upstream429: number;
  readonly elapsedMs: number;
}

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  /** The terminal's width: a redrawn line must not wrap, or `\r` returns only to its last row. */
  readonly columns?: number | undefined;
}

const BAR = 20;

export function formatProgress(label: string, c: ProgressCounts): string {
  const filled = c.total > 0 ? Math.round((c.done / c.total) * BAR) : BAR;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
  const width = String(c.total).length;
  return (
    `  ${label.padEnd(17)} ${bar} ${String(c.done).padStart(width)}/${c.total}` +
    `  ${c.succeeded} ok, ${c.failed} failed, ${c.upstream429} upstream 429s, ${(c.elapsedMs / 1000).toFixed(1)} s`
  );
}

export interface Progress {
  /** Writes the final line and stops redrawing. */
  stop(): void;
}

export function startProgress(
  out: ProgressOutput,
  label: string,
  sample: () => ProgressCounts,
  intervals = { ttyMs: 100, plainMs: 2000 },
): Progress {
  const draw = () => {
    const line = formatProgress(label, sample());
    if (!out.isTTY) out.write(`${line}\n`);
    else out.write(`\r\x1b[K${out.columns ? line.slice(0, out.columns - 1) : line}`);
  };
  if (out.isTTY) draw();
  const timer = setInterval(draw, out.isTTY ? intervals.ttyMs : intervals.plainMs);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      if (out.isTTY) out.write('\n');
    },
  };
}
