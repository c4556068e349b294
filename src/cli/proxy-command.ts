// `cooldown proxy`: load the config, start the gateway, reload it on SIGHUP, drain and exit cleanly
// on SIGINT/SIGTERM.
import { ConfigError } from '../config/config-error.ts';
import { type Config, type ConfigFlags, loadConfig } from '../config/load.ts';
import { createGateway } from '../gateway.ts';

interface ProxyOptions {
  host?: string;
  port?: number;
  config?: string;
  optimize: boolean;
  cache: boolean;
  rateLimit: boolean;
  logFile?: string;
  budget?: number;
}

function describeUpstreams(config: Config): string[] {
  return Object.values(config.upstreams).map(
    (u) =>
      `${u.name}${u.passthrough ? ' (client keys)' : ` (${u.keys.length} key${u.keys.length === 1 ? '' : 's'})`}`,
  );
}

export async function runProxy(options: ProxyOptions): Promise<void> {
  const flags: ConfigFlags = {
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.logFile !== undefined ? { logFile: options.logFile } : {}),
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
    optimize: options.optimize,
    cache: options.cache,
    rateLimit: options.rateLimit,
  };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ flags });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`cooldown: ${err.message}\n`);
    process.exit(2);
  }
  const gateway = createGateway({ config });
  let url: string;
  try {
    url = await gateway.listen();
  } catch (err) {
    process.stderr.write(
      `cooldown: cannot listen on ${config.server.host}:${config.server.port}: ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
  gateway.logger.info(
    { url, upstreams: describeUpstreams(config), config: config.source ?? 'defaults' },
    `cooldown listening on ${url}`,
  );
  gateway.log.flush();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.exit(1); // a second signal: stop waiting
    }
    stopping = true;
    gateway.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    gateway.log.flush();
    gateway.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`cooldown: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // Keys, limits and routes change without a restart; a config that does not load changes nothing.
  process.on('SIGHUP', () => {
    try {
      const next = loadConfig({ flags });
      gateway.reload(next);
      gateway.logger.info(
        { config: next.source ?? 'defaults', upstreams: describeUpstreams(next) },
        'config reloaded',
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      gateway.logger.error({ problem: err.message }, 'config reload refused; the running config stays');
    }
    gateway.log.flush();
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
