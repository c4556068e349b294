// `cooldown`: the command line. `proxy` is the default command; each command loads only what it needs.
import { Command, InvalidArgumentError } from 'commander';
import { CLIENT_NAME_RULE, isClientName } from '../clients/client-name.ts';
import { version } from '../server/admin-routes.ts';

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function usd(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive amount in USD');
  return n;
}

function clientName(value: string): string {
  if (!isClientName(value)) throw new InvalidArgumentError(`expected ${CLIENT_NAME_RULE}`);
  return value;
}

const program = new Command('cooldown')
  .description(
    'A gateway for rate-limited LLM and REST APIs: queues instead of failing, pools keys, caches, caps spend.',
  )
  .version(version);

program
  .command('proxy', { isDefault: true })
  .description('run the gateway (the default command)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1; env COOLDOWN_HOST)')
  .option('--port <port>', 'port to listen on (default 8787; env COOLDOWN_PORT or PORT)', integer)
  .option('--config <file>', 'YAML config file (env COOLDOWN_CONFIG; default ./cooldown.yaml if present)')
  .option(
    '--no-optimize',
    'leave prompts untouched (context optimization is accepted now and arrives in a later release)',
  )
  .option('--no-cache', 'answer nothing from the response cache and keep nothing in it')
  .option('--no-rate-limit', "turn off upstream shaping and clients' own limits (budgets still hold)")
  .option('--log-file <file>', 'write JSON log lines to this file instead of stdout')
  .option('--budget <usd>', 'global daily spend cap in USD (env COOLDOWN_BUDGET)', usd)
  .action(async (options) => (await import('./proxy-command.ts')).runProxy(options));

program
  .command('mock')
  .description('run the simulated rate-limited provider, to try the gateway offline')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', integer, 9999)
  .option(
    '--dialect <name>',
    'rate-limit headers and errors of: openai, anthropic, cerebras, groq, nvidia',
    'openai',
  )
  .option('--requests <n>', 'hidden requests per window per key', integer)
  .option('--tokens <n>', 'hidden tokens per window per key', integer)
  .option('--window <duration>', 'the window of --requests and --tokens (like 10s or 1m)', '1m')
  .option('--rpm <n>', 'shorthand: --requests N --window 1m', integer)
  .option('--tpm <n>', 'shorthand: --tokens N --window 1m', integer)
  .option('--latency-ms <n>', 'delay before each answer', integer, 0)
  .option('--chunk-delay-ms <n>', 'delay between stream chunks', integer, 0)
  .action(async (options) => (await import('./mock-command.ts')).runMock(options));

program
  .command('demo')
  .description(
    'see it work offline: the official SDK against a rate-limited simulated provider, alone and through Cooldown',
  )
  .option('--duration <duration>', 'about how long each phase runs (scales the workload)', '12s')
  .option('--keep', 'leave the gateway and the provider running afterwards, to explore the dashboard')
  .option('--json', 'print the results as one JSON line on stdout (the rest goes to stderr)')
  .action(async (options) => (await import('./demo-command.ts')).runDemoCommand(options));

program
  .command('loadtest')
  .description(
    'put load on the gateway (or any OpenAI/Anthropic-compatible API) and report latency, statuses, tokens/s',
  )
  .option('--url <url>', 'base URL to load (default http://127.0.0.1:8787, the local gateway)')
  .option('--dialect <name>', 'openai (POST /v1/chat/completions) or anthropic (POST /v1/messages)')
  .option(
    '--scenario <name>',
    'preset load: light, moderate, heavy, burst, rate_limit_stress, circuit_breaker (default light)',
  )
  .option('--clients <n>', 'closed loop: this many concurrent clients')
  .option('--rate <r>', 'open loop: requests per second (like 50, or 600/m)')
  .option('--duration <d>', 'how long to run (like 10s, 1m)')
  .option('--requests <n>', 'stop after this many requests (whichever of it and --duration comes first)')
  .option('--model <name>', 'model to ask (default gpt-4o-mini, or claude-haiku-4-5 for anthropic)')
  .option('--stream', 'ask for streamed answers (time to first token is measured)')
  .option('--max-tokens <n>', 'output-token bound of each request (default 64)')
  .option('--key <key>', 'API key to send (default OPENAI_API_KEY or ANTHROPIC_API_KEY, else a dummy)')
  .option('--max-in-flight <n>', 'most requests waiting at once; an open loop skips past it (default 10000)')
  .option('--output <file>', 'also write the report as JSON to this file')
  .action(async (options) => (await import('./loadtest-command.ts')).runLoadtest(options));

const config = program.command('config').description('inspect configuration');
config
  .command('check [file]')
  .description('validate a config file (and the environment) and print the effective config, secrets masked')
  .action(async (file) => (await import('./config-command.ts')).runConfigCheck(file));

const keys = program.command('keys').description('virtual keys for clients');
keys
  .command('new')
  .description('print a fresh virtual key for a client, and the config line (with its hash) that admits it')
  .argument('<name>', 'the client the key is for', clientName)
  .action(async (name: string) => (await import('./keys-command.ts')).runKeysNew(name));

await program.parseAsync(process.argv);
