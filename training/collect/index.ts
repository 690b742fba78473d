export { collect, collectTrainingDatasets } from './collect.js';
export type { BehaviourPolicy, Collection, CollectOptions, DatasetRole, DatasetStore, SacCollector } from './collect.js';
export { HELD_OUT_FILE, collectTestToFolder, collectToFolder } from './collect-folder.js';
export type { FolderOptions } from './collect-folder.js';
export { navigationTransitions } from './navigation-generators.js';
export { randomEpisodes } from './random-episodes.js';
export { sacCollector } from './sac-collector.js';
