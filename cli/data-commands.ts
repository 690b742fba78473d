import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DOMAIN_IDS, type DomainId } from '../sim/index.js';
import type { Dataset, DatasetCollection, DatasetMeta, ImportFormat } from '../training/data/index.js';
import { table } from './table.js';

/**
 * The dataset layer loads Arrow, HDF5 and zod, which would add about half a second to every
 * `mesa-shield` start; it is imported only when a data command runs.
 */
const loadData = () => import('../training/data/index.js');

/** The formats of `importDataset` (a test checks that the two lists agree). */
const FORMATS = ['dsrl', 'd4rl', 'minari', 'npz'] as const satisfies readonly ImportFormat[];

/** `mesa-shield import` and `mesa-shield data …`. */
export function dataCommands(): Command[] {
  return [importCommand(), dataCommand()];
}

function importCommand(): Command {
  return new Command('import')
    .description('convert a dataset of another safe-RL library (DSRL, D4RL, Minari, OmniSafe) into a mesa-shield .arrow dataset')
    .argument('<file>', 'the dataset to import (for minari: main_data.hdf5 or the dataset folder)')
    .addOption(new Option('--format <format>', 'format of <file>').choices([...FORMATS]).makeOptionMandatory())
    .requiredOption('--out <file.arrow>', 'the dataset file to write')
    .option('--cost-key <path>', 'array holding the cost where the format has none (d4rl: path in the file; minari: path in each episode, default infos/cost or infos/costs)')
    .addOption(new Option('--domain <id>', 'label the data as this simulated domain (sizes must match); default: external').choices([...DOMAIN_IDS]))
    .addHelpText(
      'after',
      '\nMapping: constraint = 1 where cost > 0; done = terminal (time-limit ends are not terminal).\n' +
        'Example: mesa-shield import --format dsrl OfflineCarCircle-v0.hdf5 --out car-circle.arrow',
    )
    .action(async (file: string, opts: { format: ImportFormat; out: string; costKey?: string; domain?: DomainId }) => {
      const { importDataset, writeDatasetFile } = await loadData();
      const dataset = await importDataset(opts.format, file, { costKey: opts.costKey, domain: opts.domain });
      writeDatasetFile(opts.out, dataset);
      const { meta } = dataset;
      console.log(`imported ${file} (${opts.format}) into ${opts.out}`);
      console.log(
        `${meta.size} transitions, ${meta.violations} violations (${percent(meta.violations, meta.size)}), ` +
          `obs size ${meta.observationSize}, action size ${meta.actionSize}, domain ${meta.domain}`,
      );
      if (meta.notes) console.log(`notes: ${meta.notes}`);
    });
}

function dataCommand(): Command {
  const data = new Command('data').description('mesa-shield datasets (.arrow files and dataset folders)');
  data
    .command('inspect')
    .description('print the metadata and counts of a dataset file, or of every file of a dataset folder')
    .argument('<path>', 'a .arrow dataset file or a dataset folder (with manifest.json)')
    .option('--json', 'print JSON instead of text')
    .action(async (path: string, opts: { json?: boolean }) => {
      const { loadDatasetDir, readDatasetFile } = await loadData();
      if (isDirectory(path)) inspectDir(loadDatasetDir(path), opts.json === true);
      else inspectFile(path, readDatasetFile(path), opts.json === true);
    });
  return data;
}

interface EnvironmentCount {
  readonly envId: number;
  readonly description: string;
  readonly size: number;
  readonly violations: number;
}

function countsByEnvironment({ meta, transitions: t }: Dataset): EnvironmentCount[] {
  const size = new Array<number>(meta.environments.length).fill(0);
  const violations = new Array<number>(meta.environments.length).fill(0);
  for (let i = 0; i < t.size; i++) {
    size[t.envId[i]]++;
    violations[t.envId[i]] += t.constraint[i];
  }
  return meta.environments.map((e, envId) => ({ envId, description: e.description, size: size[envId], violations: violations[envId] }));
}

function summary(d: Dataset) {
  return {
    meta: d.meta,
    counts: {
      size: d.meta.size,
      violations: d.meta.violations,
      violationShare: d.meta.size === 0 ? 0 : d.meta.violations / d.meta.size,
      environments: countsByEnvironment(d),
    },
  };
}

function inspectFile(path: string, d: Dataset, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ file: path, ...summary(d) }));
    return;
  }
  console.log(`${path}`);
  printMeta(d.meta);
  console.log('');
  console.log(
    table(
      ['env', 'description', 'transitions', 'violations', 'share'],
      countsByEnvironment(d).map((e) => [`${e.envId}`, e.description, `${e.size}`, `${e.violations}`, percent(e.violations, e.size)]),
    ),
  );
}

function inspectDir(c: DatasetCollection, json: boolean): void {
  const { dir } = c;
  const files = [...c.manifest.train.map((name, i) => ({ name, role: 'train', dataset: c.train[i] })), { name: c.manifest.test, role: 'test', dataset: c.test }];
  if (json) {
    console.log(JSON.stringify({ dir, manifest: c.manifest, files: files.map((f) => ({ file: f.name, role: f.role, ...summary(f.dataset) })) }));
    return;
  }
  const m = c.manifest;
  console.log(`${dir}: domain ${m.domain}, seed ${m.seed}, ${m.train.length} training dataset(s) and a test dataset, created ${m.createdAt}`);
  const first = c.train[0].meta;
  console.log(`obs size ${first.observationSize}, action size ${first.actionSize}`);
  console.log('');
  console.log(
    table(
      ['file', 'role', 'transitions', 'violations', 'share', 'environment(s)', 'policy'],
      files.map(({ name, role, dataset: { meta } }) => [
        name,
        role,
        `${meta.size}`,
        `${meta.violations}`,
        percent(meta.violations, meta.size),
        meta.environments.map((e) => e.description).join('; '),
        meta.policy,
      ]),
    ),
  );
  const total = c.train.reduce((n, d) => n + d.meta.size, 0);
  const violations = c.train.reduce((n, d) => n + d.meta.violations, 0);
  console.log(`training total: ${total} transitions, ${violations} violations (${percent(violations, total)})`);
}

function printMeta(meta: DatasetMeta): void {
  const rows: [string, string][] = [
    ['format version', `${meta.formatVersion}`],
    ['domain', meta.domain],
    ['obs size', `${meta.observationSize}`],
    ['action size', `${meta.actionSize}`],
    ['policy', meta.policy],
    ['source', meta.source],
    ['created', meta.createdAt],
    ['transitions', `${meta.size}`],
    ['violations', `${meta.violations} (${percent(meta.violations, meta.size)} of transitions)`],
    ['environments', `${meta.environments.length}`],
  ];
  if (meta.notes) rows.push(['notes', meta.notes]);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(15)}${v}`);
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(2)}%`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
