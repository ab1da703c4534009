// Checks the emulator's wire traffic against AWS's own service models (botocore's). Entry points:
// `validateCallRecords` for call-log records captured with `recordWire: true`, `writeCallRecords` /
// `readCallRecords` to keep them between runs, `loadAwsModels` to learn whether the models are here.
export { loadAwsModels, requireAwsModels } from './model.js';
export type { AwsModels, ServiceModel, ShapeDef } from './model.js';
export { formatProblem, formatProblems } from './problem.js';
export type { Problem } from './problem.js';
export { readCallRecords, validateCallRecords, writeCallRecords } from './records.js';
export { checkJson } from './json-shape.js';
export { checkText } from './text-shape.js';
export { formToTree, xmlToTree } from './text-tree.js';
