/**
 * A process that logs ticks as fast as it can, for the crash tests. Usage:
 *   node dist/test/support/transition-log-child.js <dir> run    — forever, printing "written N" as chunks reach the OS
 *   node dist/test/support/transition-log-child.js <dir> exit <n> — n ticks, then process.exit(0) without close()
 */
import { TransitionLogWriter } from '../../runtime/log/index.js';
import { tick } from './ticks.js';

const [dir, mode, count] = process.argv.slice(2);
const writer = new TransitionLogWriter({ dir, flush_records: 50, flush_ms: 20 });

if (mode === 'exit') {
  for (let i = 0; i < Number(count); i++) writer.append(tick(i));
  process.exit(0);
}

let next = 0;
let reported = 0;
const burst = () => {
  for (let j = 0; j < 25; j++) writer.append(tick(next++));
  const { written } = writer.stats;
  if (written !== reported) {
    reported = written;
    // Pipes are synchronous on Linux: once the parent reads this line, those records are in the OS.
    process.stdout.write(`written ${written}\n`);
  }
  setTimeout(burst, 1);
};
burst();
