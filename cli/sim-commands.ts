import { Command, Option } from 'commander';
import { DOMAIN_IDS, Rng, getDomain, listDomains, randomPolicy, runEpisode, summarize, type EpisodeSummary } from '../sim/index.js';
import { integerIn, UsageError } from './options.js';
import { table } from './table.js';

export function simCommand(): Command {
  const sim = new Command('sim').description('the simulated domains of the MESA paper');

  sim
    .command('list')
    .description('list the domains with their sizes and environment distributions')
    .option('--json', 'print JSON instead of a table')
    .action((opts: { json?: boolean }) => {
      const domains = listDomains();
      if (opts.json) {
        console.log(JSON.stringify(domains.map(({ id, summary, observationSize, actionSize, horizon, trainEnvCount, datasetSizes }) => ({ id, summary, observationSize, actionSize, horizon, trainEnvCount, datasetSizes }))));
        return;
      }
      console.log(
        table(
          ['domain', 'obs', 'act', 'horizon', 'train envs', 'transitions/train env', 'test dataset'],
          domains.map((d) => [d.id, `${d.observationSize}`, `${d.actionSize}`, `${d.horizon}`, `${d.trainEnvCount}`, `${d.datasetSizes.trainPerEnv}`, `${d.datasetSizes.test}`]),
        ),
      );
      console.log('');
      for (const d of domains) console.log(`${d.id}: ${d.summary}; test env: ${d.describe(d.sampleEnvironments(new Rng(0)).test)} (seed 0)`);
    });

  sim
    .command('run')
    .description('run episodes of one environment with a simple policy and report returns and violations')
    .addOption(new Option('--domain <id>', 'domain id').choices([...DOMAIN_IDS]).makeOptionMandatory())
    .option('--env <index>', 'training environment index (default: the held-out test environment)', integerIn(0))
    .option('--test', 'use the held-out test environment (the default)')
    .addOption(new Option('--policy <name>', 'behaviour policy').choices(['random']).default('random'))
    .option('--episodes <n>', 'number of episodes', integerIn(1, 1_000_000), 10)
    .option('--seed <s>', 'seed for the environment distribution, start states and the policy', integerIn(0, 2 ** 31 - 1), 0)
    .option('--through-violations', 'keep an episode running after a violation, as dataset collection does')
    .option('--json', 'print one JSON object per episode and a summary object')
    .action(async (opts: { domain: string; env?: number; test?: boolean; episodes: number; seed: number; throughViolations?: boolean; json?: boolean }) => {
      if (opts.env !== undefined && opts.test) throw new UsageError('give either --env <index> or --test, not both');
      const domain = getDomain(opts.domain);
      const rng = new Rng(opts.seed);
      const set = domain.sampleEnvironments(rng.fork('environments'));
      if (opts.env !== undefined && opts.env >= set.train.length) {
        throw new Error(`${domain.id} has ${set.train.length} training environments (0..${set.train.length - 1}); --env ${opts.env} does not exist`);
      }
      const params = opts.env === undefined ? set.test : set.train[opts.env];
      const env = await domain.make(params, { endOnViolation: !opts.throughViolations });
      const policy = randomPolicy(env.actionSpace, rng.fork('policy'));
      const episodeSeeds = rng.fork('episodes');
      const label = opts.env === undefined ? 'test environment' : `training environment ${opts.env}`;
      if (!opts.json) console.log(`${domain.id}, ${label}: ${domain.describe(params)}; policy random; seed ${opts.seed}`);
      const episodes: EpisodeSummary[] = [];
      const rows: string[][] = [];
      try {
        for (let k = 0; k < opts.episodes; k++) {
          const e = runEpisode(env, policy, episodeSeeds.nextUint32() & 0x7fffffff);
          episodes.push(e);
          if (opts.json) console.log(JSON.stringify({ episode: k + 1, ...e }));
          else rows.push([`${k + 1}`, e.return.toFixed(2), `${e.length}`, `${e.violations}`]);
        }
      } finally {
        env.close();
      }
      const s = summarize(episodes);
      if (opts.json) {
        console.log(JSON.stringify({ summary: s }));
        return;
      }
      console.log(table(['episode', 'return', 'length', 'violations'], rows));
      console.log(
        `summary: ${s.episodes} episodes, return ${s.meanReturn.toFixed(2)} ± ${s.stderrReturn.toFixed(2)} (s.e.), ` +
          `length ${s.meanLength.toFixed(1)}, episodes with a violation ${(100 * s.violationEpisodeRate).toFixed(1)}%, ` +
          `violating transitions ${(100 * s.violationTransitionRate).toFixed(2)}%` +
          (s.successRate === undefined ? '' : `, success ${(100 * s.successRate).toFixed(1)}%`),
      );
    });

  return sim;
}
