import { Command, Option } from 'commander';
import { DOMAIN_IDS, type DomainId } from '../sim/index.js';
import { integerIn } from './options.js';
import { table } from './table.js';

/** `sim-loop`. The runtime loads only when the command runs. */
export function runtimeCommands(): Command[] {
  return [simLoopCommand()];
}

function simLoopCommand(): Command {
  return new Command('sim-loop')
    .description('simulation in the loop: a task controller proposes, the shield gates, the simulator applies; reports returns, violations and interventions')
    .addOption(new Option('--domain <id>', 'domain (the test environment of the distribution drawn with --seed)').choices([...DOMAIN_IDS]).makeOptionMandatory())
    .requiredOption('--bundle <dir>', 'model bundle gating the controller')
    .addOption(new Option('--transport <t>', 'how states and commands reach the shield').choices(['inproc']).default('inproc'))
    .addOption(new Option('--engine <e>', 'inference engine').choices(['onnxruntime', 'typescript']).default('onnxruntime'))
    .option('--eps-safe <e>', "risk threshold (default: the bundle's)", (v) => {
      const x = Number(v);
      if (!(x > 0 && x < 1)) throw new Error(`--eps-safe must be in (0, 1), got "${v}"`);
      return x;
    })
    .option('--episodes <n>', 'episodes', integerIn(1), 20)
    .option('--seed <s>', 'seed of the environment, controller and episodes', integerIn(0, 2 ** 31 - 1), 0)
    .option('--compare', 'also run the same episodes without the shield')
    .option('--json', 'print JSON')
    .action(async (o: { domain: DomainId; bundle: string; engine: 'onnxruntime' | 'typescript'; epsSafe?: number; episodes: number; seed: number; compare?: boolean; json?: boolean }) => {
      const { createShield, parseConfig } = await import('../runtime/index.js');
      const { runSimLoop } = await import('../sim/index.js');
      const config = parseConfig({ bundle: o.bundle, shield: { engine: o.engine, ...(o.epsSafe ? { eps_safe: o.epsSafe } : {}) } });
      const shield = await createShield(config);
      const shielded = await runSimLoop({ domain: o.domain, episodes: o.episodes, seed: o.seed, gate: shield });
      const runs = [{ label: `shield (${o.bundle}, eps ${shield.options.epsSafe})`, ...shielded }];
      if (o.compare) runs.push({ label: 'no shield', ...(await runSimLoop({ domain: o.domain, episodes: o.episodes, seed: o.seed, gate: null })) });
      await shield.models?.release();
      if (o.json) {
        console.log(JSON.stringify(runs.map(({ label, summary, episodes }) => ({ label, summary, episodes }))));
        return;
      }
      console.log(`${o.domain}, test environment of seed ${o.seed}, random task controller, ${o.episodes} episodes (each ends at its first violation)`);
      console.log(
        table(
          ['run', 'violations', 'return (mean ± s.e.)', 'intervention rate', 'fallback rate'],
          runs.map(({ label, summary: s }) => [label, `${s.violations}/${s.episodes}`, `${s.meanReturn.toFixed(1)} ± ${s.stderrReturn.toFixed(1)}`, `${(100 * s.interventionRate).toFixed(1)}%`, `${(100 * s.fallbackRate).toFixed(1)}%`]),
        ),
      );
    });
}
