import { Command } from 'commander';
import type { LogImportReport, LogSummary, ShieldSummary } from '../runtime/log/index.js';
import { table } from './table.js';

/** MCAP reading pulls in zod, yaml and the ROS 2 parsers: loaded only when a log command runs. */
const loadLog = () => import('../runtime/log/index.js');

/** `mesa-shield log inspect` and `mesa-shield log import`. */
export function logCommand(): Command {
  const log = new Command('log').description("MCAP logs: the shield's transition logs and rosbag2 bags");
  log
    .command('inspect')
    .description('summarize one MCAP file: time range, topics, and for a transition log the ticks by source, interventions, fallbacks and violations')
    .argument('<file>', 'an .mcap file (a transition log, or any rosbag2 bag)')
    .option('--json', 'print JSON instead of text')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { inspectLog } = await loadLog();
      const summary = await inspectLog(file);
      console.log(opts.json ? JSON.stringify(summary) : formatSummary(summary));
    });
  log
    .command('import')
    .description('turn MCAP logs into a mesa-shield .arrow dataset through a mapping (to check a mapping, or to keep the data)')
    .argument('<files...>', ".mcap files: the shield's transition logs, or rosbag2 bags (with --mapping)")
    .option('--mapping <yaml>', 'how topics become transitions (default: the shield\'s own transition logs, applied actions)')
    .requiredOption('--out <file.arrow>', 'the dataset file to write')
    .addHelpText('after', '\nThe mapping file is described in the README, "Transition logs".')
    .action(async (files: string[], opts: { mapping?: string; out: string }) => {
      const [{ writeDatasetFile }, { dataset, report }] = await Promise.all([import('../training/data/index.js'), datasetFromLogs(files, opts.mapping)]);
      writeDatasetFile(opts.out, dataset);
      console.log(`wrote ${opts.out}: ${(await loadLog()).describeImport(report)}; obs size ${dataset.meta.observationSize}, action size ${dataset.meta.actionSize}`);
    });
  return log;
}

/** Reads logs into a dataset, telling on stderr about files that were not closed cleanly. */
export async function datasetFromLogs(files: readonly string[], mappingPath: string | undefined) {
  const { SHIELD_MAPPING, importLogs, loadMapping } = await loadLog();
  const mapping = mappingPath === undefined ? SHIELD_MAPPING : loadMapping(mappingPath);
  const result = await importLogs(files, mapping, { mappingName: mappingPath ?? '(default: shield logs)' });
  for (const line of fileWarnings(result.report)) console.error(line);
  return result;
}

function fileWarnings(report: LogImportReport): string[] {
  return report.files
    .filter((f) => !f.complete)
    .map((f) => `note: ${f.path} was not closed cleanly; read its complete records (${f.unreadBytes} bytes after them could not be used${f.damage ? `: ${f.damage}` : ''})`);
}

const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
const counts = (entries: Record<string, number | undefined>) =>
  Object.entries(entries)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

function formatSummary(s: LogSummary): string {
  const lines = [`${s.file} (${(s.bytes / 2 ** 20).toFixed(2)} MiB)`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(16)}${v}`);
  row('kind', `${s.kind === 'shield' ? 'mesa-shield transition log' : 'MCAP'} (profile ${s.profile || '-'}, library ${s.library || '-'})`);
  row(
    'closed cleanly',
    s.closedCleanly ? 'yes' : `no: recovered from truncation; every complete record was read, ${s.unreadBytes} bytes after them could not be${s.damage ? ` (${s.damage})` : ''}`,
  );
  row('time', s.start === null ? 'no messages' : `${s.start} to ${s.end} (${s.durationS?.toFixed(3)} s)`);
  row('messages', `${s.messages}`);
  if (s.shield) lines.push('', ...formatShield(s.shield));
  lines.push(
    '',
    table(
      ['topic', 'type', 'encoding', 'messages', 'rate'],
      s.channels.map((c) => [c.topic, c.type ?? '-', c.encoding, `${c.messages}`, c.rateHz === null ? '-' : `${c.rateHz.toFixed(1)} Hz`]),
    ),
  );
  return lines.join('\n');
}

function formatShield(s: ShieldSummary): string[] {
  const lines = [`ticks: ${s.ticks}${s.ticks ? ` (obs size ${s.observationSize}, action size ${s.actionSize}), ${s.tickSpanS?.toFixed(3)} s on the shield clock` : ''}`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(22)}${v}`);
  row('by source', (['task', 'recovery', 'fallback'] as const).map((k) => `${k} ${s.bySource[k]} (${percent(s.bySource[k], s.ticks)})`).join(', '));
  row('interventions', `${s.interventions.ticks} ticks in ${s.interventions.episodes} stretch${s.interventions.episodes === 1 ? '' : 'es'}`);
  row('fallbacks by reason', counts(s.fallbacksByReason));
  row('reasons', counts(s.byReason));
  row('risk', s.risk ? `${s.risk.evaluated} evaluated: min ${s.risk.min.toFixed(4)}, mean ${s.risk.mean.toFixed(4)}, max ${s.risk.max.toFixed(4)}` : 'never evaluated');
  row('violations', s.constraint.reported ? `${s.constraint.violations} of ${s.constraint.reported} ticks with a reported constraint flag` : 'not reported by the robot');
  return lines;
}
