// One opening: the validated edit form, its findings (with the requirement each
// comes from) and the history of every edit.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useWatch } from 'react-hook-form';
import { ApiError } from '../../../app/contract';
import type { OpeningDetail } from '../../../app/contract/schedule';
import { evaluateOpening } from '../../../core/rules';
import { isOpeningField, openingSchema } from '../../../core/schedule/schema';
import type { Finding, OpeningField } from '../../../core/schedule/types';
import { api } from '../api';
import { changedFields, OpeningFields, toFormValues, useOpeningForm, type FormOut } from '../schedule/OpeningForm';
import { scheduleViewHref } from '../schedule/lastView';
import { setNavigationGuard } from '../shell/router';
import { ErrorBanner, issuesOf, messageOf } from '../ui/errors';
import { formatWhen } from '../ui/format';
import { SeverityBadge } from '../ui/severity';
import { apiKey } from '../query/keys';
import { useApi } from '../query/useApi';

const EDITOR_KEY = 'doorcx-editor';
/** Opening ids are the stable key across visits and re-imports; the form does not rename them. */
const READ_ONLY: ReadonlySet<OpeningField> = new Set(['opening_id']);

export function OpeningPage({ siteId, openingId }: { siteId: number; openingId: string }) {
  const client = useQueryClient();
  const detail = useApi('getOpening', { siteId, openingId });
  const [saved, setSaved] = useState(false);

  return (
    <div className="page">
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Opening {openingId}</h1>
          {detail.data && (
            <p className="page-sub">
              {[
                detail.data.opening.location,
                detail.data.opening.building,
                detail.data.opening.floor && `floor ${detail.data.opening.floor}`,
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
          )}
        </div>
        <a className="btn" href={scheduleViewHref(siteId)}>
          ← Back to schedule
        </a>
      </div>
      <ErrorBanner error={detail.error} title="The opening could not be loaded" />
      {detail.isPending && <p className="muted">Loading…</p>}
      {detail.data && (
        <OpeningEditor
          key={detail.data.version}
          detail={detail.data}
          saved={saved}
          onSaved={(d) => {
            client.setQueryData(apiKey('getOpening', { siteId, openingId }), d);
            setSaved(true);
          }}
          onReload={() => void detail.refetch()}
        />
      )}
    </div>
  );
}

function OpeningEditor({
  detail,
  saved,
  onSaved,
  onReload,
}: {
  detail: OpeningDetail;
  /** The version on screen was just saved from this form. */
  saved: boolean;
  onSaved: (d: OpeningDetail) => void;
  onReload: () => void;
}) {
  const form = useOpeningForm(detail.opening);
  const [editor, setEditor] = useState(() => localStorage.getItem(EDITOR_KEY) ?? '');
  const [editorError, setEditorError] = useState('');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const { isDirty, isSubmitting, errors } = form.formState;
  const errorCount = Object.keys(errors).length;
  // Unsaved edits: leaving the opening (link, back button, closing the window) asks first.
  useEffect(() => {
    if (!isDirty) return;
    return setNavigationGuard(() => window.confirm('Leave this opening? Your unsaved edits will be lost.'));
  }, [isDirty]);

  // The same pure rules the backend runs, over the unsaved values: what saving would change.
  const values = useWatch({ control: form.control });
  const pending = useMemo<Finding[] | null>(() => {
    if (!isDirty) return null;
    const parsed = openingSchema.safeParse(values);
    return parsed.success ? evaluateOpening(parsed.data) : null;
  }, [values, isDirty]);

  const save = async (values: FormOut) => {
    setSaveError(null);
    setNotice('');
    if (!editor.trim()) {
      setEditorError('Enter your name: every edit is recorded with who made it.');
      document.getElementById('editor-name')?.focus();
      return;
    }
    const changes = changedFields(detail.opening, values);
    if (Object.keys(changes).length === 0) {
      setNotice('Nothing to save: the values are the same as stored.');
      return;
    }
    try {
      const updated = await api.updateOpening({
        siteId: detail.siteId,
        openingId: detail.opening.opening_id,
        changes,
        editor: editor.trim(),
        baseVersion: detail.version,
      });
      // The editor remounts with the new version (key), so the form starts clean from the stored values.
      onSaved(updated);
      form.reset(toFormValues(updated.opening));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict') {
        setConflict(err);
        return;
      }
      const issues = issuesOf(err);
      let placed = 0;
      for (const issue of issues) {
        if (issue.field && isOpeningField(issue.field)) {
          form.setError(issue.field, { type: 'server', message: issue.reason }, { shouldFocus: placed === 0 });
          placed++;
        }
      }
      if (placed < issues.length || issues.length === 0) setSaveError(err);
    }
  };

  return (
    <div className="detail">
      <form
        noValidate
        aria-label={`Edit opening ${detail.opening.opening_id}`}
        onSubmit={(e) => void form.handleSubmit(save)(e)}
        onChange={() => setNotice('')}
      >
        {conflict !== null && (
          <div className="banner error" role="alert" style={{ marginBottom: 14 }}>
            <h2>Someone changed this opening since you opened it</h2>
            <p style={{ margin: '0 0 8px' }}>
              {messageOf(conflict)} Your edits were not saved. Load the latest version and make them again.
            </p>
            <button type="button" className="btn" onClick={onReload}>
              Load the latest version
            </button>
          </div>
        )}
        <OpeningFields form={form} readOnly={READ_ONLY} />
        <div className="save-bar">
          <div className="field">
            <label htmlFor="editor-name">Your name</label>
            <input
              id="editor-name"
              type="text"
              autoComplete="name"
              value={editor}
              aria-invalid={editorError ? true : undefined}
              aria-describedby={editorError ? 'editor-name-error' : undefined}
              onChange={(e) => {
                setEditor(e.target.value);
                setEditorError('');
                localStorage.setItem(EDITOR_KEY, e.target.value);
              }}
            />
            {editorError && (
              <p id="editor-name-error" className="field-error">
                {editorError}
              </p>
            )}
          </div>
          <button type="submit" className="btn primary" disabled={isSubmitting}>
            {isSubmitting ? 'Saving…' : 'Save changes'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={!isDirty || isSubmitting}
            onClick={() => form.reset(toFormValues(detail.opening))}
          >
            Undo edits
          </button>
          <span role="status" aria-live="polite" style={{ alignSelf: 'center' }}>
            {errorCount > 0 ? (
              <strong style={{ color: 'var(--danger)' }}>
                {errorCount} field{errorCount === 1 ? '' : 's'} need{errorCount === 1 ? 's' : ''} attention
              </strong>
            ) : (
              notice || (isDirty ? 'Unsaved changes' : saved ? `✓ Saved · version ${detail.version}` : `Version ${detail.version}`)
            )}
          </span>
        </div>
        <div style={{ marginTop: 10 }}>
          <ErrorBanner error={saveError} title="Not saved" />
        </div>
      </form>
      <aside className="side" aria-label="Findings and history">
        <FindingsPanel detail={detail} pending={pending} />
        <ExtrasPanel detail={detail} />
        <HistoryPanel detail={detail} />
      </aside>
    </div>
  );
}

function FindingList({ findings }: { findings: Finding[] }) {
  return (
    <ul className="findings">
      {findings.map((f) => (
        <li key={f.rule_id} className={`finding sev-border-${f.severity}`}>
          <SeverityBadge severity={f.severity} />
          <p>{f.message}</p>
          <p className="req">
            Requirement: {f.requirement} <span className="muted">· rule {f.rule_id}</span>
          </p>
        </li>
      ))}
    </ul>
  );
}

function FindingsPanel({ detail, pending }: { detail: OpeningDetail; pending: Finding[] | null }) {
  const stored = new Set(detail.findings.map((f) => f.rule_id));
  const next = new Set((pending ?? []).map((f) => f.rule_id));
  const added = pending?.filter((f) => !stored.has(f.rule_id)) ?? [];
  const resolved = pending ? detail.findings.filter((f) => !next.has(f.rule_id)) : [];
  return (
    <section className="panel" aria-labelledby="findings-title">
      <h2 id="findings-title">Findings ({detail.findings.length})</h2>
      {detail.findings.length === 0 ? (
        <p style={{ margin: 0 }}>
          <SeverityBadge severity={null} /> The schedule meets every rule for this opening.
        </p>
      ) : (
        <FindingList findings={detail.findings} />
      )}
      {(added.length > 0 || resolved.length > 0) && (
        <div className="pending-findings" role="status">
          <h3>If you save these edits</h3>
          {added.length > 0 && (
            <>
              <p className="muted">New findings:</p>
              <FindingList findings={added} />
            </>
          )}
          {resolved.length > 0 && <p>Resolved: {resolved.map((f) => f.rule_id).join(', ')}</p>}
        </div>
      )}
    </section>
  );
}

/** Columns of the office's file that DoorCx has no field for: kept as they were, shown read-only. */
function ExtrasPanel({ detail }: { detail: OpeningDetail }) {
  const extras = Object.entries(detail.opening.extras);
  if (extras.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="extras-title">
      <h2 id="extras-title">Other columns from the schedule</h2>
      <dl className="kv">
        {extras.map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{k}</dt>
            <dd>{v || '—'}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function HistoryPanel({ detail }: { detail: OpeningDetail }) {
  const history = [...detail.history].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">Edit history</h2>
      {history.length === 0 ? (
        <p className="muted" style={{ margin: 0 }}>
          No edits since the schedule was imported.
        </p>
      ) : (
        <ul className="history">
          {history.map((h) => (
            <li key={h.id}>
              <div>
                <strong>{h.field}</strong> <span className="muted">· {h.source === 'import' ? 'import' : h.editor}</span>
              </div>
              <div className="change">
                <del>{h.oldValue || '(empty)'}</del> → <ins>{h.newValue || '(empty)'}</ins>
              </div>
              <div className="muted" style={{ fontSize: '0.85rem' }}>
                {formatWhen(h.at)}
                {h.source === 'import' ? ` by ${h.editor}` : ''}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
