// Several gateway processes (the real CLI, each its own process) on one config, the way a user runs
// them behind a load balancer; requests are dealt round them in turn.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliRun, runCli } from './cli.ts';

export interface FleetGateway {
  readonly run: CliRun;
  readonly url: string;
}

export interface Fleet {
  readonly gateways: FleetGateway[];
  /** Ends every process still running (SIGTERM) and waits for each to be gone. */
  stop(): Promise<void>;
}

/** The `shared` section of a gateway's /stats. */
export interface SharedView {
  reachable: boolean;
  processes: number;
  local_share: number;
}

/** Starts `n` gateways on `config` (written as `<name>.yaml` in `dir`), each on a free port. */
export async function startFleet(
  n: number,
  config: Record<string, unknown>,
  dir: string,
  name = 'fleet',
): Promise<Fleet> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config));
  const runs = Array.from({ length: n }, () => runCli(['--config', file], { COOLDOWN_PORT: '0' }));
  const stop = () => stopAll(runs);
  try {
    const gateways = await Promise.all(
      runs.map(async (run) => ({ run, url: (await run.waitForLog(/listening/)).url as string })),
    );
    return { gateways, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function stopAll(runs: CliRun[]): Promise<void> {
  await Promise.all(
    runs.map(async (run) => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
      await run.exited();
    }),
  );
}

export async function sharedOf(g: FleetGateway): Promise<SharedView> {
  const stats = (await (await fetch(`${g.url}/stats`)).json()) as { shared: SharedView };
  return stats.shared;
}

/** Until every gateway has heard every other at its heartbeats (/stats is the only outside view). */
export async function untilAllCounted(gateways: FleetGateway[]): Promise<void> {
  for (const g of gateways) while ((await sharedOf(g)).processes !== gateways.length);
}

/** `n` calls of `send` at once, dealt round the gateways in turn. */
export function dealt<T>(
  gateways: FleetGateway[],
  n: number,
  send: (url: string) => Promise<T>,
): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(gateways[i % gateways.length]!.url)));
}
