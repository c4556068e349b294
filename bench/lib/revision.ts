// An older commit of this repository checked out beside it (a git worktree sharing node_modules),
// so a bench can run the gateway as it was next to the gateway as it is, in one run.
import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

export async function checkoutAt(rev: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'cooldown-rev-')), 'checkout');
  await run('git', ['-C', repo, 'worktree', 'add', '--detach', dir, rev]);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    remove: async () => {
      await run('git', ['-C', repo, 'worktree', 'remove', '--force', dir]);
    },
  };
}
