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
await import('../src/cli/main.ts');
