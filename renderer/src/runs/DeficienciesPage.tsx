// Deficiencies of the run (or of every run at the site): severity, opening,
// the risk in words, status with its history, photos, and the way back to the
// opening to retest it. Also: a deficiency written by hand.
import { useState, type FormEvent } from 'react';
import type { Deficiency, DeficiencyStatus } from '../../../app/contract/runs';
import { SEVERITIES, type Severity } from '../../../core/schedule/types';
import { api } from '../api';
import { useInitialQuery } from '../shell/router';
import { ErrorBanner } from '../ui/errors';
import { formatWhen } from '../ui/format';
import { SEVERITY_LABEL, SeverityBadge } from '../ui/severity';
import { useApi } from '../query/useApi';
import { openingHref } from './OpeningFinder';
import { ProgressStrip } from './ProgressStrip';
import { DEFICIENCY_STATUS_WORD } from './words';
import './runs.css';

const STATUSES: DeficiencyStatus[] = ['open', 'fixed-retested', 'accepted-by-ahj'];
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'] as const;
type PhotoType = (typeof PHOTO_TYPES)[number];

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(typeof r.result === 'string' ? r.result.replace(/^data:[^,]*,/, '') : '');
    r.onerror = () => reject(r.error ?? new Error('the file could not be read'));
    r.readAsDataURL(file);
  });
}

function Photo({ sha256, name }: { sha256: string; name: string }) {
  const p = useApi('getPhoto', { sha256 }, { staleTime: Infinity });
  if (!p.data) return <span className="photo-ph">{name}</span>;
  return <img className="photo" src={`data:${p.data.attachment.mimeType};base64,${p.data.contentBase64}`} alt={`Photo ${name}`} />;
}

function DeficiencyRow({
  d,
  siteId,
  runId,
  by,
  onChanged,
}: {
  d: Deficiency;
  siteId: number;
  runId: number;
  by: string;
  onChanged: () => void;
}) {
  const [status, setStatus] = useState<DeficiencyStatus>(d.status);
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let retestAttemptId: number | undefined;
      if (status === 'fixed-retested') {
        const c = await api.getOpeningChecklist({ runId, openingId: d.openingId });
        const latest = c.procedures.find((p) => p.id === d.procedureId)?.latest ?? null;
        if (!latest || latest.verdict !== 'pass')
          throw new Error(`Retest ${d.openingId} first: “Fixed — retested” needs a passing retest of ${d.procedureId ?? 'the procedure'}.`);
        retestAttemptId = latest.id;
      }
      await api.setDeficiencyStatus({ deficiencyId: d.id, status, note: note.trim(), by, ...(retestAttemptId ? { retestAttemptId } : {}) });
      setNote('');
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const attach = async (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    setError(null);
    try {
      const mime = (PHOTO_TYPES as readonly string[]).includes(file.type) ? (file.type as PhotoType) : null;
      if (!mime) throw new Error(`${file.name}: only JPEG, PNG, WebP or HEIC photos can be attached.`);
      await api.attachPhoto({ deficiencyId: d.id, fileName: file.name, mimeType: mime, contentBase64: await readBase64(file) });
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <li className={`def finding sev-border-${d.severity}`} data-deficiency-id={d.id}>
      <div className="def-head">
        <SeverityBadge severity={d.severity} />
        <a className="def-opening" href={openingHref(siteId, runId, d.openingId)}>
          {d.openingId}
        </a>
        <span className={`def-status st-${d.status}`}>{DEFICIENCY_STATUS_WORD[d.status]}</span>
        <span className="muted">
          {d.procedureId ? `${d.procedureId} · ` : 'written by hand · '}
          {formatWhen(d.createdAt)} · {d.createdBy}
        </span>
      </div>
      <p className="def-desc">{d.description}</p>
      {d.history.length > 1 && (
        <ol className="def-history" aria-label="Status history">
          {d.history.map((h, i) => (
            <li key={i}>
              {DEFICIENCY_STATUS_WORD[h.status]} · {formatWhen(h.at)} · {h.by}
              {h.note ? ` — ${h.note}` : ''}
            </li>
          ))}
        </ol>
      )}
      {d.photos.length > 0 && (
        <div className="photos">
          {d.photos.map((p) => (
            <Photo key={p.id} sha256={p.sha256} name={p.fileName} />
          ))}
        </div>
      )}
      <div className="def-actions">
        <form className="def-status-form" onSubmit={save}>
          <div className="field">
            <label htmlFor={`st-${d.id}`}>Status</label>
            <select id={`st-${d.id}`} value={status} onChange={(e) => setStatus(e.target.value as DeficiencyStatus)}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {DEFICIENCY_STATUS_WORD[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor={`note-${d.id}`}>Note{status === 'accepted-by-ahj' ? ' (who at the AHJ, what was accepted)' : ''}</label>
            <input id={`note-${d.id}`} type="text" value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={busy || (status === d.status && !note.trim())}>
            Save status
          </button>
        </form>
        <div className="field">
          <label htmlFor={`photo-${d.id}`}>Attach photo</label>
          <input
            id={`photo-${d.id}`}
            type="file"
            accept="image/jpeg,image/png,image/webp,image/heic"
            onChange={(e) => void attach(e.target.files)}
          />
        </div>
        <a className="btn primary" href={openingHref(siteId, runId, d.openingId)}>
          Retest {d.openingId}
        </a>
      </div>
      <ErrorBanner error={error} title="Not saved" />
    </li>
  );
}

function AddDeficiency({ siteId, runId, by, onAdded }: { siteId: number; runId: number; by: string; onAdded: () => void }) {
  const [openingId, setOpeningId] = useState('');
  const [severity, setSeverity] = useState<Severity>('life-safety');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const missing = [!openingId.trim() && 'the opening (its door tag)', !description.trim() && 'what is wrong'].filter(Boolean);
    if (missing.length > 0) {
      setError(new Error(`Enter ${missing.join(' and ')}.`));
      return;
    }
    try {
      await api.createDeficiency({ siteId, runId, openingId: openingId.trim(), severity, description: description.trim(), createdBy: by });
      setOpeningId('');
      setDescription('');
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details className="section">
      <summary>Add a deficiency by hand</summary>
      <form className="section-body form-grid" onSubmit={submit}>
        <div className="field">
          <label htmlFor="nd-opening">Opening</label>
          <input id="nd-opening" type="text" value={openingId} onChange={(e) => setOpeningId(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="nd-sev">Severity</label>
          <select id="nd-sev" value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {SEVERITY_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field wide">
          <label htmlFor="nd-desc">What is wrong, and the risk in plain words</label>
          <textarea id="nd-desc" value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <ErrorBanner error={error} title="Not added" />
        <div>
          <button type="submit" className="btn primary">
            Add deficiency
          </button>
        </div>
      </form>
    </details>
  );
}

export function DeficienciesPage({ siteId, runId }: { siteId: number; runId: number }) {
  const initial = useInitialQuery();
  const detail = useApi('getRun', { runId });
  const [scope, setScope] = useState<'run' | 'site'>('run');
  const [status, setStatus] = useState<DeficiencyStatus | ''>('');
  const opening = initial.get('opening') ?? undefined;
  const list = useApi('listDeficiencies', {
    siteId,
    ...(scope === 'run' ? { runId } : {}),
    ...(opening ? { openingId: opening } : {}),
    ...(status ? { status } : {}),
  });
  const by = detail.data?.run.technician ?? 'technician';
  const changed = () => {
    void list.refetch();
    void detail.refetch();
  };

  return (
    <div className="page deficiencies-page">
      {detail.data && <ProgressStrip detail={detail.data} siteId={siteId} />}
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Deficiencies{opening ? ` at ${opening}` : ''}</h1>
          <p className="page-sub">Failed items that need follow-up: fix, retest, or record the AHJ&apos;s acceptance.</p>
        </div>
        <div className="field">
          <label htmlFor="def-scope">Show</label>
          <select id="def-scope" value={scope} onChange={(e) => setScope(e.target.value as 'run' | 'site')}>
            <option value="run">This run</option>
            <option value="site">Every run at this site</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="def-status">Status</label>
          <select id="def-status" value={status} onChange={(e) => setStatus(e.target.value as DeficiencyStatus | '')}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {DEFICIENCY_STATUS_WORD[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorBanner error={list.error} title="The deficiencies could not be loaded" />
      {list.data && list.data.length === 0 && <p className="empty">No deficiencies{status ? ' with this status' : ''}.</p>}
      <ul className="findings def-list" aria-label="Deficiencies">
        {(list.data ?? []).map((d) => (
          <DeficiencyRow key={`${d.id}-${d.status}-${d.photos.length}`} d={d} siteId={siteId} runId={runId} by={by} onChanged={changed} />
        ))}
      </ul>
      <AddDeficiency siteId={siteId} runId={runId} by={by} onAdded={changed} />
    </div>
  );
}
