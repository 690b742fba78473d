/**
 * The dataset layer: one transition schema, Arrow IPC files and dataset folders, replay sampling,
 * and importers from other safe-RL dataset formats. Everything else in `training/data/` is internal.
 */
export type { Dataset, DatasetDescription, DatasetDomain, DatasetMeta, EnvironmentInfo, TransitionBatch, TransitionInput, Transitions } from './schema.js';
export { DATASET_DOMAINS, FORMAT_VERSION, countViolations, datasetMetaSchema, makeDataset } from './schema.js';
export { DatasetError } from './errors.js';
export { TransitionBuilder } from './builder.js';
export { concatTransitions, takeRows } from './columns.js';
export { METADATA_KEY, readDatasetFile, writeDatasetFile } from './arrow-file.js';
export { MANIFEST_FILE, TEST_FILE, loadDatasetDir, loadTestDataset, manifestSchema, trainFileNames, writeDatasetDir, writeDatasetManifest } from './dataset-dir.js';
export type { DatasetCollection, DatasetFolderContents, DatasetManifest, TestDatasetExpectations } from './dataset-dir.js';
export { ReplayBuffer, sampleWithoutReplacement } from './replay.js';
export { IMPORT_FORMATS, importDataset } from './import/index.js';
export type { ImportFormat, ImportOptions } from './import/index.js';
