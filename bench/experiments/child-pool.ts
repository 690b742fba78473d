import { spawn } from 'node:child_process';

/**
 * Runs node scripts as child processes, at most `jobs` at a time, their output passed through.
 * An abort sends SIGINT to the running children (the runner checkpoints and exits) and starts no
 * more. Resolves with each command's exit code (null: never started), in the order given.
 */
export async function runChildPool(argvs: readonly (readonly string[])[], jobs: number, signal?: AbortSignal): Promise<(number | null)[]> {
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a whole number >= 1, not ${jobs}`);
  const codes: (number | null)[] = argvs.map(() => null);
  let next = 0;
  const running = new Set<ReturnType<typeof spawn>>();
  const onAbort = () => running.forEach((c) => c.kill('SIGINT'));
  signal?.addEventListener('abort', onAbort);
  const lane = async (): Promise<void> => {
    while (next < argvs.length && !signal?.aborted) {
      const i = next++;
      // A process group of its own: a terminal's Ctrl-C reaches only this process, which passes
      // one SIGINT on; a second one would cut the child's checkpoint short.
      const child = spawn(process.execPath, argvs[i], { stdio: 'inherit', detached: true });
      running.add(child);
      codes[i] = await new Promise<number>((resolve) => {
        child.on('error', () => resolve(127));
        child.on('exit', (code, sig) => resolve(code ?? (sig === 'SIGINT' ? 130 : 128)));
      });
      running.delete(child);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, argvs.length) }, lane));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return codes;
}
