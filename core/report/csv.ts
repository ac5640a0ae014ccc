// The results CSV: one row per opening and procedure (the attempt that counts),
// plus a row per opening with nothing recorded, so untested openings show.
import Papa from 'papaparse';
import type { ReportModel } from './schema';

export const RESULTS_CSV_COLUMNS = [
  'opening_id',
  'floor',
  'location',
  'expected_mode',
  'opening_result',
  'procedure_id',
  'procedure',
  'required',
  'verdict',
  'reason',
  'attempt_id',
  'started_at',
  'ended_at',
  'interrupted',
  'measured_ms',
  'resolution_ms',
  'person_evidence',
  'earlier_attempts',
] as const;

export function resultsCsv(model: ReportModel): string {
  const rows: string[][] = [];
  for (const o of model.openings) {
    const head = [o.openingId, o.floor, o.location, o.expectedMode, o.result];
    const tested = o.procedures.filter((p) => p.final || p.history.length);
    if (tested.length === 0) rows.push([...head, '', '', '', 'not-tested', '', '', '', '', '', '', '', '', '']);
    for (const p of tested) {
      const a = p.final!;
      const timed = a.steps.find((s) => s.measuredMs !== null);
      rows.push([
        ...head,
        p.id,
        p.title,
        p.required ? 'yes' : 'no',
        a.verdict,
        a.reason,
        String(a.id),
        a.startedAt,
        a.endedAt ?? '',
        a.interrupted ? 'yes' : 'no',
        timed?.measuredMs != null ? timed.measuredMs.toFixed(1) : '',
        timed?.resolutionMs != null ? timed.resolutionMs.toFixed(1) : '',
        a.steps.some((s) => s.personEvidence) ? 'yes' : 'no',
        String(p.history.length),
      ]);
    }
  }
  return Papa.unparse({ fields: [...RESULTS_CSV_COLUMNS], data: rows }, { newline: '\r\n' }) + '\r\n';
}
