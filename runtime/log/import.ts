import { basename } from 'node:path';
import type { Dataset } from '../../training/data/index.js';
import { LogError } from './errors.js';
import { importRosbags } from './import-rosbag.js';
import { importShieldLogs, type RecordingImport } from './import-shield.js';
import type { LogMapping } from './mapping.js';
import type { SkipCounts } from './pair-steps.js';

export interface LogFileReport {
  readonly path: string;
  /** False for a file whose writer was killed: its complete records were still read. */
  readonly complete: boolean;
  readonly unreadBytes: number;
  readonly damage: string | null;
}

export interface LogImportReport {
  readonly files: readonly LogFileReport[];
  readonly steps: number;
  readonly transitions: number;
  readonly violations: number;
  readonly skipped: SkipCounts;
  readonly notes: readonly string[];
}

export interface LogImportOptions {
  /** Names the mapping in errors and in the dataset's metadata (its file name). */
  readonly mappingName: string;
  /** Overrides the creation time (for reproducible output). */
  readonly createdAt?: Date;
}

/** One line on what became of the steps, e.g. "980 transitions from 1000 steps (12 across gaps, ...)". */
export function describeImport(r: LogImportReport): string {
  const reasons = [
    [r.skipped.noObservation, 'without a recent observation'],
    [r.skipped.gap, `across a gap`],
    [r.skipped.reset, 'across an episode reset'],
    [r.skipped.nonFinite, 'with non-finite values'],
    [r.skipped.afterViolation, 'from a violating state (the episode ended)'],
  ] as const;
  const lost = reasons.filter(([n]) => n > 0).map(([n, why]) => `${n} ${why}`);
  return `${r.transitions} transitions (${r.violations} violations) from ${r.steps} steps${lost.length ? `; not used: ${lost.join(', ')}` : ''}`;
}

/**
 * Builds a dataset (the training transition schema) from recorded MCAP files: the shield's own
 * transition logs or rosbag2 bags, as the mapping says. done = constraint and reward = 0; the
 * metadata names the files and the mapping. The dataset layer is loaded only here, so the
 * transition-log writer stays free of training code.
 */
export async function importLogs(files: readonly string[], mapping: LogMapping, options: LogImportOptions): Promise<{ dataset: Dataset; report: LogImportReport }> {
  if (files.length === 0) throw new LogError('no log files given');
  const recording: RecordingImport = mapping.format === 'shield' ? await importShieldLogs(files, mapping) : await importRosbags(files, mapping, options.mappingName);
  const fileReports = recording.scans.map((s) => ({ path: s.path, complete: s.complete, unreadBytes: s.unreadBytes, damage: s.damage }));
  const violations = recording.transitions.reduce((n, t) => n + t.constraint, 0);
  const report: LogImportReport = { files: fileReports, steps: recording.steps, transitions: recording.transitions.length, violations, skipped: recording.skipped, notes: recording.notes };
  if (recording.transitions.length === 0) {
    throw new LogError(`${files.join(', ')}: no transitions: ${describeImport(report)}${report.skipped.gap || report.skipped.noObservation ? ' (a larger sync.max_gap_ms may help)' : ''}`);
  }
  const { TransitionBuilder, makeDataset } = await import('../../training/data/index.js');
  const builder = new TransitionBuilder(recording.observationSize, recording.actionSize, recording.transitions.length);
  for (const t of recording.transitions) builder.push({ obs: t.obs, action: t.action, reward: 0, nextObs: t.nextObs, constraint: t.constraint, done: t.constraint });
  const names = files.map((f) => basename(f)).join(', ');
  const recovered = fileReports.filter((f) => !f.complete).map((f) => `${basename(f.path)} was not closed (${f.unreadBytes} bytes after its last complete record unread)`);
  const dataset = makeDataset(builder.freeze(), {
    domain: 'external',
    environments: [{ description: `recorded: ${names}`, params: null }],
    policy: mapping.format === 'shield' ? `shield log (${mapping.action} actions)` : 'rosbag2 recording',
    source: `log import of ${names} (mapping ${options.mappingName})`,
    notes: [`mapping: ${JSON.stringify(mapping)}`, describeImport(report), ...recording.notes, ...recovered].join('; '),
    createdAt: options.createdAt,
  });
  return { dataset, report };
}
