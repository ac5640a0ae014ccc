// Import a door schedule: pick a CSV/TSV/XLSX file, preview what the backend
// understood (column mapping, rows, sample), then either every bad cell (and
// nothing can be applied) or the diff against the site, confirmed by the user.
import { useEffect, useId, useRef, useState } from 'react';
import type { Opening } from '../../../core/schedule/types';
import type { ImportPreview, ImportResult } from '../../../app/contract/schedule';
import { api } from '../api';
import { ErrorBanner, issuesOf } from '../ui/errors';
import { fieldWord } from '../ui/fieldWords';
import { formatCount } from '../ui/format';

/** Reads a file as base64 in the browser (the API carries file bytes as base64). */
export function readFileBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      // readAsDataURL always yields a string: "data:<mime>;base64,<payload>".
      const url = reader.result as string;
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

const LIST_LIMIT = 300;

export interface ImportDialogProps {
  open: boolean;
  onClose: () => void;
  /** Pre-filled site name (re-importing a schedule for the site on screen). */
  siteName?: string;
  onImported: (result: ImportResult, siteName: string) => void;
}

export function ImportDialog({ open, onClose, siteName: initialSiteName, onImported }: ImportDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [siteName, setSiteName] = useState(initialSiteName ?? '');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [errorTitle, setErrorTitle] = useState('');
  const content = useRef<{ file: File; base64: string } | null>(null);
  // The site name follows the file picked last, until someone types a name (or it names the site on screen).
  const nameTyped = useRef(Boolean(initialSiteName));

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Closing (Escape, Cancel, ✕, or the page unmounting the dialog) puts the keyboard back where it was.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, [open]);

  const reset = () => {
    setPreview(null);
    setError(null);
  };

  const base64 = async (f: File) => {
    if (content.current?.file !== f) content.current = { file: f, base64: await readFileBase64(f) };
    return content.current.base64;
  };

  const runPreview = async () => {
    if (!file || !siteName.trim()) return;
    setBusy('preview');
    reset();
    try {
      setPreview(await api.previewImport({ fileName: file.name, contentBase64: await base64(file), siteName: siteName.trim() }));
    } catch (e) {
      setErrorTitle('The file could not be previewed');
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const runApply = async () => {
    if (!file || !preview?.diffHash) return;
    setBusy('apply');
    setError(null);
    try {
      const name = siteName.trim();
      const result = await api.applyImport({
        fileName: file.name,
        contentBase64: await base64(file),
        siteName: name,
        confirmDiffHash: preview.diffHash,
      });
      onImported(result, name);
    } catch (e) {
      setErrorTitle('Nothing was imported');
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const canApply = preview !== null && preview.errors.length === 0 && preview.diffHash !== null && busy === null;

  return (
    <dialog ref={ref} className="modal" aria-labelledby={`${id}-title`} onClose={onClose} onCancel={onClose}>
      <div className="modal-inner">
        <div className="modal-head">
          <h2 id={`${id}-title`}>Import schedule</h2>
          <button type="button" className="btn small" onClick={onClose} aria-label="Close import dialog">
            ✕
          </button>
        </div>
        <div className="modal-body">
          <p className="muted" style={{ margin: 0 }}>
            A CSV, tab-separated (TSV) or Excel (XLSX) door schedule with one header row. Nothing changes until you confirm the preview.
          </p>
          <form
            className="import-inputs"
            onSubmit={(e) => {
              e.preventDefault();
              void runPreview();
            }}
          >
            <div className="field">
              <label htmlFor={`${id}-file`}>Schedule file</label>
              <input
                id={`${id}-file`}
                type="file"
                autoFocus
                accept=".csv,.tsv,.txt,.xlsx,text/csv,text/tab-separated-values,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                onChange={(e) => {
                  const f = e.target.files?.[0] ?? null;
                  setFile(f);
                  reset();
                  if (f && (!nameTyped.current || !siteName.trim())) setSiteName(f.name.replace(/\.[^.]+$/, ''));
                }}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-site`}>Site name</label>
              <input
                id={`${id}-site`}
                type="text"
                value={siteName}
                onChange={(e) => {
                  nameTyped.current = true;
                  setSiteName(e.target.value);
                  reset();
                }}
                autoComplete="off"
              />
            </div>
            <button type="submit" className="btn" disabled={!file || !siteName.trim() || busy !== null}>
              {busy === 'preview' ? 'Reading…' : 'Preview'}
            </button>
          </form>

          <ErrorBanner error={error} title={errorTitle} />
          {issuesOf(error).length > 0 && <IssueTable issues={issuesOf(error)} />}

          {preview && <PreviewView preview={preview} />}
        </div>
        <div className="modal-foot">
          {preview && preview.errors.length > 0 && (
            <span className="muted" style={{ marginRight: 'auto' }}>
              Fix the file and preview again: nothing was imported.
            </span>
          )}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={!canApply} onClick={() => void runApply()}>
            {busy === 'apply' ? 'Importing…' : 'Confirm import'}
          </button>
        </div>
      </div>
    </dialog>
  );
}

function PreviewView({ preview }: { preview: ImportPreview }) {
  const mapped = preview.mapping.filter((m) => m.column !== null);
  return (
    <section aria-label="Import preview" style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <p style={{ margin: 0 }}>
        <strong>{formatCount(preview.rowCount)}</strong> rows read from {preview.format === 'xlsx' ? 'an' : 'a'}{' '}
        {preview.format.toUpperCase()} file for site <strong>{preview.siteName}</strong>{' '}
        {preview.siteId === null ? '(a new site)' : '(an existing site: changes are compared below)'}.
      </p>

      {preview.errors.length > 0 ? (
        <div className="banner error" role="alert">
          <h3>
            {formatCount(preview.errors.length)} problem{preview.errors.length === 1 ? '' : 's'} in the file — nothing will be imported
          </h3>
          <IssueTable issues={preview.errors} />
        </div>
      ) : (
        preview.diff && <DiffView diff={preview.diff} />
      )}

      <details className="section">
        <summary>Column mapping ({preview.mapping.length} columns)</summary>
        <div className="section-body table-wrap">
          <table className="plain" aria-label="Column mapping">
            <thead>
              <tr>
                <th>Header in the file</th>
                <th>Read as</th>
                <th>How</th>
              </tr>
            </thead>
            <tbody>
              {preview.mapping.map((m) => (
                <tr key={m.sourceHeader}>
                  <td>{m.sourceHeader}</td>
                  <td>{m.column ? fieldWord(m.column) : <em>kept as extra</em>}</td>
                  <td className="muted">{m.how}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>

      {preview.sample.length > 0 && (
        <details className="section" open={preview.errors.length === 0}>
          <summary>Preview of the first {preview.sample.length} rows</summary>
          <div className="section-body table-wrap" style={{ maxHeight: 320 }}>
            <table className="plain compact" aria-label="Preview rows">
              <thead>
                <tr>
                  {mapped.map((m) => (
                    <th key={m.sourceHeader}>{m.column ? fieldWord(m.column) : m.sourceHeader}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.sample.map((o, i) => (
                  <tr key={`${o.opening_id}-${i}`}>
                    {mapped.map((m) => (
                      <td key={m.sourceHeader}>{cellText(o, m.column as keyof Opening)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  );
}

function cellText(o: Opening, field: keyof Opening): string {
  const v = o[field];
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function IssueTable({ issues }: { issues: { row?: number; column?: string; field?: string; value?: string; reason: string }[] }) {
  return (
    <div className="table-wrap" style={{ maxHeight: 360, marginTop: 8, background: 'var(--raised)' }}>
      <table className="plain" aria-label="Problems in the file">
        <thead>
          <tr>
            <th className="num">Row</th>
            <th>Column</th>
            <th>Value</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {issues.map((issue, i) => (
            <tr key={i}>
              <td className="num">{issue.row ?? '—'}</td>
              <td>{issue.column ?? (issue.field ? fieldWord(issue.field) : '—')}</td>
              <td>
                <code>{issue.value ?? ''}</code>
              </td>
              <td>{issue.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DiffView({ diff }: { diff: NonNullable<ImportPreview['diff']> }) {
  const fieldChanges = diff.changed.reduce((n, c) => n + c.changes.length, 0);
  const nothing = diff.added.length + diff.removed.length + diff.changed.length === 0;
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
      <h3>Changes to apply</h3>
      <div className="diff-summary" aria-label="Summary of changes">
        <span className="stat">{diff.added.length > 0 ? <ins>+{formatCount(diff.added.length)}</ins> : '0'} added</span>
        <span className="stat">
          {formatCount(diff.changed.length)} changed ({formatCount(fieldChanges)} {fieldChanges === 1 ? 'field' : 'fields'})
        </span>
        <span className="stat">{diff.removed.length > 0 ? <del>−{formatCount(diff.removed.length)}</del> : '0'} removed</span>
        <span className="stat">{formatCount(diff.unchanged)} unchanged</span>
      </div>
      {nothing && <p className="banner ok">The file matches the site exactly: nothing would change.</p>}
      {diff.added.length > 0 && (
        <details className="section">
          <summary>Added openings ({formatCount(diff.added.length)})</summary>
          <div className="section-body">
            <IdList ids={diff.added} />
          </div>
        </details>
      )}
      {diff.changed.length > 0 && (
        <details className="section" open>
          <summary>Changed openings ({formatCount(diff.changed.length)})</summary>
          <div className="section-body table-wrap" style={{ maxHeight: 320 }}>
            <table className="plain" aria-label="Changed fields">
              <thead>
                <tr>
                  <th>Opening</th>
                  <th>Field</th>
                  <th>Now</th>
                  <th>After import</th>
                </tr>
              </thead>
              <tbody>
                {diff.changed.slice(0, LIST_LIMIT).flatMap((c) =>
                  c.changes.map((ch, i) => (
                    <tr key={`${c.openingId}/${ch.field}`}>
                      <td>{i === 0 ? <strong>{c.openingId}</strong> : ''}</td>
                      <td>{fieldWord(ch.field)}</td>
                      <td>
                        <del>{ch.oldValue || '(empty)'}</del>
                      </td>
                      <td>
                        <ins>{ch.newValue || '(empty)'}</ins>
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
            {diff.changed.length > LIST_LIMIT && (
              <p className="muted">… and {formatCount(diff.changed.length - LIST_LIMIT)} more changed openings.</p>
            )}
          </div>
        </details>
      )}
      {diff.removed.length > 0 && (
        <details className="section" open>
          <summary>Removed openings ({formatCount(diff.removed.length)})</summary>
          <div className="section-body">
            <IdList ids={diff.removed} />
          </div>
        </details>
      )}
    </div>
  );
}

function IdList({ ids }: { ids: string[] }) {
  return (
    <>
      <ul className="id-list">
        {ids.slice(0, LIST_LIMIT).map((id) => (
          <li key={id}>{id}</li>
        ))}
      </ul>
      {ids.length > LIST_LIMIT && <p className="muted">… and {formatCount(ids.length - LIST_LIMIT)} more.</p>}
    </>
  );
}
