export { runExperiment } from './runner.js';
export type { ExperimentControl, ExperimentOutcome } from './runner.js';
export { summarizeMethod, writeReport } from './report.js';
export type { MethodSummary, ReportFiles } from './report.js';
export { readEpisodes, readRunMeta, runDir } from './records.js';
export type { EpisodeRecord, RunMeta } from './records.js';
export { DEFAULT_BUNDLES, DEFAULT_SEEDS, EXPERIMENT_METHODS, experimentSettings, paperEpisodes } from './settings.js';
export type { ExperimentMethod, ExperimentRequest, ExperimentSettings } from './settings.js';
