/**
 * What a run leaves in its folder (`<out>/<domain>/<method>/seed-<k>/`): `run.json` (settings,
 * where its models and data came from, status) and `episodes.jsonl` (one record per episode,
 * appended as it finishes). Both are validated when read back.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { experimentSettingsSchema } from './settings.js';

export const episodeRecordSchema = z.object({
  episode: z.int().min(1),
  return: z.number(),
  violation: z.boolean(),
  length: z.int().min(1),
  interventions: z.int().min(0),
  fallbacks: z.int().min(0),
  success: z.boolean().optional(),
  /** Absent in records written before it was kept. */
  violationRecall: z.number().min(0).max(1).nullable().optional(),
  totalSteps: z.int().min(1),
  sacUpdates: z.int().min(0),
  riskUpdates: z.int().min(0),
  /** Wall-clock seconds the episode took (the only field that differs between identical runs). */
  seconds: z.number().min(0),
});

export type EpisodeRecord = z.infer<typeof episodeRecordSchema>;

export const runMetaSchema = z.object({
  settings: experimentSettingsSchema,
  status: z.enum(['running', 'done']),
  /** The paper's episode budget for the domain; `settings.episodes` below it is a reduced-scale run. */
  paperEpisodes: z.int().min(1),
  bundle: z.object({ path: z.string(), method: z.string(), seed: z.number().nullable(), iterations: z.record(z.string(), z.number()), createdAt: z.string() }).nullable(),
  testEnvironment: z.string(),
  dTest: z.object({ size: z.int(), violations: z.int() }),
  /** Facts a reader of the results must know (e.g. a bundle adapted on another seed's data). */
  warnings: z.array(z.string()),
  command: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export type RunMeta = z.infer<typeof runMetaSchema>;

export const RUN_FILE = 'run.json';
export const EPISODES_FILE = 'episodes.jsonl';
export const CHECKPOINT_DIR = 'checkpoint';

export function runDir(out: string, s: { domain: string; method: string; seed: number }): string {
  return join(out, s.domain, s.method, `seed-${s.seed}`);
}

export function readRunMeta(dir: string): RunMeta | null {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) return null;
  const parsed = runMetaSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function writeRunMeta(dir: string, meta: RunMeta): void {
  writeFileSync(join(dir, RUN_FILE), `${JSON.stringify(runMetaSchema.parse(meta), null, 1)}\n`);
}

export function appendEpisode(dir: string, record: EpisodeRecord): void {
  appendFileSync(join(dir, EPISODES_FILE), `${JSON.stringify(episodeRecordSchema.parse(record))}\n`);
}

/**
 * The run's records, checked to be episodes 1, 2, ... in order. A last line without its newline is
 * a record being written (a running run) or cut short (a crash): it is left out.
 */
export function readEpisodes(dir: string): EpisodeRecord[] {
  const file = join(dir, EPISODES_FILE);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${file}, line ${i + 1}: not JSON`);
    }
    const parsed = episodeRecordSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${file}, line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    if (parsed.data.episode !== i + 1) throw new Error(`${file}, line ${i + 1}: episode ${parsed.data.episode}, expected ${i + 1}`);
    return parsed.data;
  });
}

/**
 * Keeps the first `episodes` records: those after a checkpoint are run again on resume. Lines
 * past them are dropped unread, so a line cut short by a crash does no harm.
 */
export function truncateEpisodes(dir: string, episodes: number): void {
  const file = join(dir, EPISODES_FILE);
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  if (lines.length < episodes) throw new Error(`${file} holds ${lines.length} episodes, but the checkpoint is after episode ${episodes}`);
  writeFileSync(file, lines.slice(0, episodes).map((l) => `${l}\n`).join(''));
  readEpisodes(dir);
}
