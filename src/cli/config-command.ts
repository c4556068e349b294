// `cooldown config check [FILE]`: the effective config with secrets masked, or what is wrong with it.
import { stringify } from 'yaml';
import { ConfigError } from '../config/config-error.ts';
import { loadConfig } from '../config/load.ts';
import { displayConfig } from '../config/mask.ts';

export function runConfigCheck(file: string | undefined): void {
  try {
    const config = loadConfig(file ? { flags: { config: file } } : {});
    const { source, ...rest } = config;
    process.stdout.write(
      `# effective config${source ? ` from ${source}` : ' (built-in defaults)'}, secrets masked\n`,
    );
    process.stdout.write(stringify(displayConfig(rest)));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  }
}
