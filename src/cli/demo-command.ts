// `cooldown demo`: the simulated provider and a gateway in this one process, the same workload sent with
// the official SDK straight to the provider and then through the gateway, and the difference in a table.
import { parseDuration } from '../config/units.ts';
import type { ProgressOutput } from '../demo/progress.ts';
import { runDemo } from '../demo/run-demo.ts';
import { demoScenario } from '../demo/scenario.ts';
import { type DemoStack, startDemoStack } from '../demo/stack.ts';

interface DemoOptions {
  duration: string;
  keep?: boolean;
  json?: boolean;
}

// Long enough to see several windows, short enough to run before a newcomer loses interest.
const MIN_DURATION_MS = 1000;
const MAX_DURATION_MS = 600_000;

function fail(message: string): never {
  process.stderr.write(`cooldown demo: ${message}\n`);
  process.exit(2);
}

/** Until SIGINT or SIGTERM; then everything stops and the process exits 0. */
function keepRunning(stack: DemoStack, out: ProgressOutput): void {
  // Visitors' requests are not part of the demo: the provider stops keeping them, so memory stays flat.
  stack.mock.setRecording(false);
  stack.mock.reset();
  out.write(
    `\nStill running (--keep): gateway ${stack.gatewayUrl} (dashboard ${stack.gatewayUrl}/dashboard), ` +
      `provider ${stack.mock.url}, with the same hidden limits. Try:\n` +
      `  curl ${stack.gatewayUrl}/v1/chat/completions -H 'content-type: application/json' ` +
      `-d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'\n` +
      'Ctrl-C stops both.\n',
  );
  const stop = () => {
    stack.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export async function runDemoCommand(options: DemoOptions): Promise<void> {
  const durationMs = parseDuration(options.duration);
  if (durationMs === undefined || durationMs < MIN_DURATION_MS || durationMs > MAX_DURATION_MS) {
    fail(`--duration ${options.duration}: use a duration from 1s to 10m, like 5s or 30s`);
  }
  // With --json, stdout carries only the result; what people read goes to stderr.
  const human = options.json ? process.stderr : process.stdout;
  const out: ProgressOutput = {
    write: (text) => human.write(text),
    isTTY: human.isTTY === true,
    get columns() {
      return human.columns;
    },
  };
  const scenario = demoScenario(durationMs);
  let stack: DemoStack;
  try {
    stack = await startDemoStack(scenario);
  } catch (error) {
    process.stderr.write(`cooldown demo: cannot start on 127.0.0.1: ${(error as Error).message}\n`);
    process.exit(1);
  }
  try {
    const result = await runDemo(scenario, stack, out);
    if (options.json) {
      const urls = {
        gateway: stack.gatewayUrl,
        dashboard: `${stack.gatewayUrl}/dashboard`,
        provider: stack.mock.url,
      };
      process.stdout.write(`${JSON.stringify({ ...result, urls })}\n`);
    }
  } catch (error) {
    await stack.close();
    process.stderr.write(`\ncooldown demo: stopped: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (options.keep) keepRunning(stack, out);
  else await stack.close();
}
