import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../sim/index.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (`dist/cli/main.js`) as a user would, in a child process. */
export function runCli(args: readonly string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
