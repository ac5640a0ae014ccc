// One form edit of one opening: validate with the shared schema, refuse stale versions,
// write the new values, recompute findings and record each changed field — all in one
// transaction, or nothing at all.
import { matchHeader } from '../../core/schedule/columns';
import { diffOpenings } from '../../core/schedule/format';
import { OPENING_FIELD_NAMES, isOpeningField, openingSchema } from '../../core/schedule/schema';
import type { Opening } from '../../core/schedule/types';
import type { Db } from '../sqlite';
import { getOpeningRecord, recordEdit, replaceOpening, touchSite, type OpeningRecord } from './repository';

export interface FieldProblem {
  field: string;
  value?: string;
  reason: string;
}

export type EditOutcome =
  | { ok: true; record: OpeningRecord; changed: string[] }
  | { ok: false; kind: 'not-found'; message: string }
  | { ok: false; kind: 'conflict'; message: string; currentVersion: number }
  | { ok: false; kind: 'validation'; message: string; issues: FieldProblem[] };

function show(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function editOpening(
  db: Db,
  e: { siteId: number; openingId: string; changes: Record<string, unknown>; editor: string; baseVersion: number; now: Date },
): EditOutcome {
  return db.transaction((): EditOutcome => {
    const current = getOpeningRecord(db, e.siteId, e.openingId);
    if (!current) return { ok: false, kind: 'not-found', message: `No opening "${e.openingId}" in site ${e.siteId}.` };

    const issues: FieldProblem[] = [];
    for (const k of Object.keys(e.changes)) {
      if (!isOpeningField(k) && k !== 'extras') issues.push({ field: k, reason: `"${k}" is not a field of an opening` });
    }
    if ('opening_id' in e.changes && e.changes.opening_id !== current.opening.opening_id) {
      issues.push({
        field: 'opening_id',
        value: show(e.changes.opening_id),
        reason: 'The opening id cannot be changed in the form: ids stay stable so results and history keep pointing at the same door',
      });
    }
    const extras = e.changes.extras;
    if (extras && typeof extras === 'object') {
      const seen = new Set<string>();
      for (const key of Object.keys(extras)) {
        // An extra column must read back as an extra: a header that means a canonical column would not.
        const m = matchHeader(key);
        if (m.column)
          issues.push({ field: `extras.${key}`, reason: `"${key}" would be read back as the ${m.column} column; choose another name` });
        if (key !== key.trim() || key === '')
          issues.push({ field: `extras.${key}`, reason: 'A column name cannot be blank or start or end with spaces' });
        if (seen.has(key.trim().toLowerCase())) issues.push({ field: `extras.${key}`, reason: `"${key}" is given twice` });
        seen.add(key.trim().toLowerCase());
      }
    }
    const parsed = openingSchema.safeParse({ ...current.opening, ...e.changes });
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const field = i.path.length > 0 ? i.path.map(String).join('.') : '(opening)';
        if (issues.some((x) => x.field === field)) continue;
        const top = String(i.path[0] ?? '');
        issues.push({ field, value: show(e.changes[top]), reason: i.message });
      }
    }
    if (issues.length > 0) {
      return {
        ok: false,
        kind: 'validation',
        message: `Not saved: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`,
        issues,
      };
    }
    if (current.version !== e.baseVersion) {
      return {
        ok: false,
        kind: 'conflict',
        message: `Opening ${e.openingId} changed since the form was loaded (version ${e.baseVersion}, now ${current.version}). Reload it and re-apply your change.`,
        currentVersion: current.version,
      };
    }
    const next = parsed.data as Opening;
    const changes = diffOpenings(current.opening, next, OPENING_FIELD_NAMES);
    if (changes.length === 0) return { ok: true, record: current, changed: [] };
    replaceOpening(db, current.ref, e.siteId, next, e.now);
    for (const c of changes)
      recordEdit(db, { siteId: e.siteId, openingId: e.openingId, at: e.now, editor: e.editor, source: 'form', ...c });
    touchSite(db, e.siteId, e.now);
    const record = getOpeningRecord(db, e.siteId, e.openingId);
    if (!record) throw new Error('opening vanished inside its own transaction');
    return { ok: true, record, changed: changes.map((c) => c.field) };
  });
}
