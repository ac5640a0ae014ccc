// The schedule's database layer: what other features import.
export * from './repository';
export { editOpening, type EditOutcome, type FieldProblem } from './edit';
export {
  previewImport,
  importNewSite,
  applyImport,
  exportSite,
  exportTable,
  diffSchedules,
  ImportRejected,
  type Preview,
  type Diff,
  type ApplyResult,
} from './import';
export { readScheduleFile, type ScheduleFormat } from './files';
