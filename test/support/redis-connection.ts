// A RedisConnection for tests, resolved once it is up (or rejected if it never comes up), its log
// silent unless a logger is given.
import pino from 'pino';
import { RedisConnection, type RedisSettings } from '../../src/store/redis-connection.ts';

export async function connectedRedis(
  url: string,
  settings: Partial<Omit<RedisSettings, 'url'>> = {},
): Promise<RedisConnection> {
  const connection = new RedisConnection({ url, logger: pino({ level: 'silent' }), ...settings });
  if (!(await connection.whenReady(5_000))) throw new Error(`no Redis answered at ${url}`);
  return connection;
}
