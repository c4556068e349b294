// Several gateway processes (the real CLI, each its own process) on one config, the way a user runs
// them behind a load balancer; requests are dealt round them in turn.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type CliRun, runCli } from './cli.ts';
import { startRedisServer, type TestRedis } from './redis-server.ts';

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

let asked = 0;

/**
 * One chat call to the gateway at `url`, each asking something new (a repeat would be a cache hit,
 * which no key pays for); resolves with the status once the body is read.
 */
export async function freshChat(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 5,
      messages: [{ role: 'user', content: `question ${++asked}` }],
    }),
  });
  await res.text();
  return res.status;
}

/** `n` calls of `send` at once, dealt round the gateways in turn. */
export function dealt<T>(
  gateways: FleetGateway[],
  n: number,
  send: (url: string) => Promise<T>,
): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(gateways[i % gateways.length]!.url)));
}

/** What a suite of fleets shares: one real redis-server and a folder for their configs. */
export interface FleetSuite {
  readonly redis: TestRedis;
  readonly dir: string;
  /** Three gateways on `config`: on the suite's Redis, or (`withRedis` false) each on its own. */
  startThree(config: Record<string, unknown>, withRedis: boolean): Promise<Fleet>;
}

/** Call inside a `describe`: the Redis and the folder are made before its tests and gone after. */
export function fleetSuite(prefix: string): FleetSuite {
  let redis: TestRedis | undefined;
  let dir: string | undefined;
  before(async () => {
    redis = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const suite: FleetSuite = {
    get redis() {
      if (!redis) throw new Error('the suite has not started');
      return redis;
    },
    get dir() {
      if (!dir) throw new Error('the suite has not started');
      return dir;
    },
    startThree: (config, withRedis) =>
      startFleet(
        3,
        { ...config, ...(withRedis ? { store: { redis: suite.redis.url } } : {}) },
        suite.dir,
        withRedis ? 'shared' : 'alone',
      ),
  };
  return suite;
}
