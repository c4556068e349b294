#!/usr/bin/env node
// Entry point for `cooldown` / `npx cooldown`. The CLI is TypeScript that Node runs as-is, which
// needs Node 22.18+ (type stripping on by default); say so plainly instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `cooldown needs Node.js 22.18 or newer (this is ${process.version}). From a checkout, run it with "npx cooldown", which uses the project's Node 24.`,
  );
  process.exit(1);
}
// Measured (bench/overhead, --trace-gc): V8's allocation-site pretenuring moves short-lived request
// objects into the old generation under load, which makes every scavenge slow (10 ms instead of 1-3)
// and costs about 10% of throughput. Switch it off before anything is allocated.
(await import('node:v8')).setFlagsFromString('--no-allocation-site-pretenuring');
await import('../src/cli/main.ts');
