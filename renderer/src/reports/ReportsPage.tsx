// A site's reports: choose the scope, preview what the report will say (with its
// warnings and anything that blocks it), both hand signatures, build the signed
// PDF with a progress bar, open it, verify it, and the reports built with their
// hashes. Exports of the JSON and the results CSV.
import { keepPreviousData } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { ReportSummary, ReportVerification } from '../../../app/contract/reports';
import { api } from '../api';
import { href } from '../shell/router';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { formatWhen } from '../ui/format';
import { useApi } from '../query/useApi';
import { SignaturePadField } from './SignaturePadField';
import './reports.css';

type ScopeKind = 'site' | 'floors' | 'openings' | 'runs';
const TECH_KEY = 'doorcx-technician';

function download(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const base64ToBytes = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

async function fileToBase64(f: File): Promise<string> {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function ReportsPage({ siteId }: { siteId: number }) {
  const site = useSites().sites?.find((s) => s.id === siteId);
  const [kind, setKind] = useState<ScopeKind>('site');
  const [floors, setFloors] = useState<string[]>([]);
  const [openingsText, setOpeningsText] = useState('');
  const [runIds, setRunIds] = useState<number[]>([]);
  const [witnessName, setWitnessName] = useState('');
  const [witnessTitle, setWitnessTitle] = useState('');
  const [technician, setTechnician] = useState(() => localStorage.getItem(TECH_KEY) ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [p12, setP12] = useState<File | null>(null);
  const [stock, setStock] = useState<'letter' | 'a4'>('letter');
  const [progress, setProgress] = useState<{ phase: string; done: number; total: number } | null>(null);
  const [buildError, setBuildError] = useState<unknown>(null);
  const [built, setBuilt] = useState<ReportSummary | null>(null);
  const [verifications, setVerifications] = useState<Record<number, ReportVerification | { error: unknown }>>({});

  const scope = useMemo(
    () => ({
      siteId,
      runIds: kind === 'runs' ? runIds : [],
      floors: kind === 'floors' ? floors : [],
      openingIds:
        kind === 'openings'
          ? openingsText
              .split(/[\s,;]+/)
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      witness: witnessName.trim() ? { name: witnessName.trim(), title: witnessTitle.trim() } : null,
    }),
    [siteId, kind, runIds, floors, openingsText, witnessName, witnessTitle],
  );
  // The last preview stays on screen while the one for a changed scope is made.
  const preview = useApi('previewReport', scope, { placeholderData: keepPreviousData });
  const allFloors = useApi('previewReport', { siteId }, { select: (p) => p.model.summary.byFloor.map((f) => f.floor) });
  const runs = useApi('listRuns', { siteId });
  const signatures = useApi('listHandwrittenSignatures', { siteId });
  const reports = useApi('listReports', { siteId });
  const keychain = useApi('signingKeychain', {});
  const kept = (keychain.data?.kept ?? false) && !p12;

  useEffect(
    () =>
      api.subscribe('reports:progress', (e) => {
        if (e.siteId === siteId) setProgress({ phase: e.phase, done: e.done, total: e.total });
      }),
    [siteId],
  );

  const build = async () => {
    setBuildError(null);
    setBuilt(null);
    setProgress({ phase: 'load', done: 0, total: 1 });
    localStorage.setItem(TECH_KEY, technician);
    try {
      const r = await api.buildReport({
        ...scope,
        technician,
        // Left out when this computer's keychain keeps it (the desktop app fills it in).
        ...(passphrase || !kept ? { passphrase } : {}),
        ...(p12 ? { p12Base64: await fileToBase64(p12) } : {}),
      });
      setBuilt(r);
      setPassphrase('');
      void reports.refetch();
    } catch (err) {
      setBuildError(err);
      setProgress(null);
    }
  };

  const open = async (r: ReportSummary) => {
    const f = await api.getReportFile({ reportId: r.id });
    const url = URL.createObjectURL(new Blob([base64ToBytes(f.contentBase64)], { type: 'application/pdf' }));
    window.open(url, '_blank', 'noopener');
  };
  const verify = async (r: ReportSummary) => {
    try {
      const v = await api.verifyReport({ reportId: r.id });
      setVerifications((s) => ({ ...s, [r.id]: v }));
    } catch (error) {
      setVerifications((s) => ({ ...s, [r.id]: { error } }));
    }
  };

  const m = preview.data?.model;
  const sigs = signatures.data ?? [];
  const pct = progress
    ? Math.round(
        (progress.phase === 'done' ? 1 : progress.phase === 'sign' ? 0.95 : (progress.done / Math.max(1, progress.total)) * 0.9) * 100,
      )
    : 0;

  return (
    <div className="page reports-page">
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Reports</h1>
          <p className="page-sub">{site?.name ?? `Site ${siteId}`} · signed commissioning reports</p>
        </div>
        <a className="btn" href={href('/sites/:siteId/runs', { siteId })}>
          Runs
        </a>
      </div>

      <div className="reports-grid">
        <section className="panel" aria-labelledby="scope-title">
          <h2 id="scope-title">Scope</h2>
          <div className="choice-row" role="radiogroup" aria-label="Report scope">
            {(
              [
                ['site', 'Whole site'],
                ['floors', 'Floors'],
                ['openings', 'Selected openings'],
                ['runs', 'Runs'],
              ] as const
            ).map(([k, l]) => (
              <label className="choice" key={k}>
                <input type="radio" name="scope" checked={kind === k} onChange={() => setKind(k)} /> {l}
              </label>
            ))}
          </div>
          {kind === 'floors' && (
            <div className="choice-row" aria-label="Floors">
              {(allFloors.data ?? []).map((f) => (
                <label className="choice" key={f}>
                  <input
                    type="checkbox"
                    checked={floors.includes(f)}
                    onChange={(e) => setFloors(e.target.checked ? [...floors, f] : floors.filter((x) => x !== f))}
                  />{' '}
                  Floor {f}
                </label>
              ))}
            </div>
          )}
          {kind === 'openings' && (
            <div className="field">
              <label htmlFor="scope-openings">Opening ids (comma or space separated)</label>
              <input id="scope-openings" type="text" value={openingsText} onChange={(e) => setOpeningsText(e.target.value)} />
            </div>
          )}
          {kind === 'runs' && (
            <div className="choice-row" aria-label="Runs">
              {(runs.data ?? []).map((r) => (
                <label className="choice" key={r.id}>
                  <input
                    type="checkbox"
                    checked={runIds.includes(r.id)}
                    onChange={(e) => setRunIds(e.target.checked ? [...runIds, r.id] : runIds.filter((x) => x !== r.id))}
                  />{' '}
                  Run #{r.id} ({r.technician}, {formatWhen(r.startedAt)})
                </label>
              ))}
            </div>
          )}
          <div className="form-grid">
            <div className="field">
              <label htmlFor="witness-name">Witness name (on the report)</label>
              <input id="witness-name" type="text" value={witnessName} onChange={(e) => setWitnessName(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="witness-title">Witness role</label>
              <input
                id="witness-title"
                type="text"
                placeholder="Owner’s rep / AHJ"
                value={witnessTitle}
                onChange={(e) => setWitnessTitle(e.target.value)}
              />
            </div>
          </div>
        </section>

        <section className="panel" aria-labelledby="preview-title" aria-busy={preview.isFetching}>
          <h2 id="preview-title">What the report will say</h2>
          <ErrorBanner error={preview.error} title="The preview could not be made" />
          {m && (
            <>
              <p className={`overall overall-${m.overall}`} data-testid="preview-overall">
                Overall: {m.overall.toUpperCase().replace('-', ' ')}
              </p>
              <p>
                {m.summary.all.total} openings: {m.summary.all.pass} pass, {m.summary.all.fail} fail, {m.summary.all.inconclusive}{' '}
                inconclusive, {m.summary.all.incomplete} incomplete, {m.summary.all.notTested} not tested · {m.deficiencies.length}{' '}
                deficiencies
              </p>
              {preview.data!.blockers.length > 0 && (
                <div className="banner error" role="alert">
                  <h3>Cannot build yet</h3>
                  <ul>
                    {preview.data!.blockers.map((b) => (
                      <li key={b}>{b}</li>
                    ))}
                  </ul>
                </div>
              )}
              {m.warnings.length > 0 && (
                <div className="banner warning">
                  <h3>Warnings</h3>
                  <ul className="warnings">
                    {m.warnings.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                </div>
              )}
              <div className="button-row">
                <button
                  type="button"
                  className="btn"
                  onClick={() =>
                    void api.exportReportJson(scope).then((r) => download(r.fileName, new Blob([r.json], { type: 'application/json' })))
                  }
                >
                  Export JSON
                </button>
                <button
                  type="button"
                  className="btn"
                  onClick={() =>
                    void api.exportResultsCsv(scope).then((r) => download(r.fileName, new Blob([r.csv], { type: 'text/csv' })))
                  }
                >
                  Export results CSV
                </button>
                <select aria-label="Label stock" value={stock} onChange={(e) => setStock(e.target.value as 'letter' | 'a4')}>
                  <option value="letter">Letter labels 2×5 (4″×2″)</option>
                  <option value="a4">A4 labels 2×7 (99×38 mm)</option>
                </select>
                <button
                  type="button"
                  className="btn"
                  onClick={() =>
                    void api
                      .buildLabels({ ...scope, stock })
                      .then((r) => download(r.fileName, new Blob([base64ToBytes(r.contentBase64)], { type: 'application/pdf' })))
                  }
                >
                  Print door labels
                </button>
              </div>
            </>
          )}
        </section>

        <section className="panel signatures" aria-labelledby="signatures-title">
          <h2 id="signatures-title">Signatures by hand</h2>
          <ErrorBanner error={signatures.error} title="The signatures could not be loaded" />
          <SignaturePadField
            key={`t-${sigs.find((s) => s.role === 'technician')?.id ?? 0}`}
            siteId={siteId}
            role="technician"
            current={sigs.find((s) => s.role === 'technician')}
            onSaved={() => {
              void signatures.refetch();
              void preview.refetch();
            }}
          />
          <SignaturePadField
            key={`w-${sigs.find((s) => s.role === 'witness')?.id ?? 0}`}
            siteId={siteId}
            role="witness"
            current={sigs.find((s) => s.role === 'witness')}
            onSaved={() => {
              void signatures.refetch();
              void preview.refetch();
            }}
          />
        </section>

        <section className="panel" aria-labelledby="build-title">
          <h2 id="build-title">Build and sign</h2>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="build-technician">Technician (certificate name on first use)</label>
              <input id="build-technician" type="text" value={technician} onChange={(e) => setTechnician(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="build-passphrase">Certificate passphrase</label>
              <input
                id="build-passphrase"
                type="password"
                autoComplete="current-password"
                value={passphrase}
                onChange={(e) => setPassphrase(e.target.value)}
              />
              <span className="hint">
                {kept
                  ? "Kept in this computer's keychain: leave it blank, or type it to use another."
                  : keychain.data?.available && !p12
                    ? "Protects the signing key; created on first use (8 characters or more). Kept in this computer's keychain after the first build."
                    : 'Protects the signing key; created on first use (8 characters or more). Never stored.'}
              </span>
            </div>
            <div className="field">
              <label htmlFor="build-p12">Organisation certificate (.p12, optional)</label>
              <input
                id="build-p12"
                type="file"
                accept=".p12,.pfx,application/x-pkcs12"
                onChange={(e) => setP12(e.target.files?.[0] ?? null)}
              />
            </div>
          </div>
          <ErrorBanner error={buildError} title="The report was not built" />
          <div className="button-row">
            <button
              type="button"
              className="btn primary big-btn"
              disabled={
                !technician.trim() ||
                (!passphrase && !kept) ||
                (progress !== null && progress.phase !== 'done') ||
                (preview.data?.blockers.length ?? 1) > 0
              }
              onClick={() => void build()}
            >
              Build signed report
            </button>
          </div>
          {progress && (
            <div className="build-progress">
              <progress max={100} value={pct} aria-label="Report build progress" />
              <span>
                {progress.phase === 'done'
                  ? 'Done'
                  : progress.phase === 'sign'
                    ? 'Signing…'
                    : progress.phase === 'render'
                      ? `Drawing openings ${progress.done}/${progress.total}…`
                      : 'Loading…'}
              </span>
            </div>
          )}
          {built && (
            <p className="built" role="status">
              Built {built.draft ? 'DRAFT ' : ''}report: {built.overall.toUpperCase()} · SHA-256 <code>{built.fileSha256}</code>{' '}
              <button type="button" className="btn" onClick={() => void open(built)}>
                Open PDF
              </button>
            </p>
          )}
        </section>

        <section className="panel wide" aria-labelledby="reports-title">
          <h2 id="reports-title">Reports built</h2>
          <ErrorBanner error={reports.error} title="The reports could not be loaded" />
          {reports.data && reports.data.length === 0 && <p className="muted">No reports yet.</p>}
          {reports.data && reports.data.length > 0 && (
            <table className="reports-table">
              <thead>
                <tr>
                  <th>Built</th>
                  <th>Result</th>
                  <th>Scope</th>
                  <th>Signed by</th>
                  <th>File SHA-256</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {reports.data.map((r) => {
                  const v = verifications[r.id];
                  return (
                    <tr key={r.id} data-report-id={r.id}>
                      <td>{formatWhen(r.builtAt)}</td>
                      <td>
                        {r.overall.toUpperCase()}
                        {r.draft ? ' (DRAFT)' : ''}
                      </td>
                      <td>{r.scope}</td>
                      <td>{r.signer}</td>
                      <td>
                        <code title={r.fileSha256}>{r.fileSha256.slice(0, 16)}…</code>
                      </td>
                      <td>
                        <button type="button" className="btn" onClick={() => void open(r)}>
                          Open
                        </button>{' '}
                        <button type="button" className="btn" onClick={() => void verify(r)}>
                          Verify
                        </button>
                        {v && 'error' in v && <ErrorBanner error={v.error} title="Not verified" />}
                        {v && 'ok' in v && (
                          <div className={`verification ${v.ok ? 'ok' : 'bad'}`} role="status">
                            <strong>{v.ok ? 'Valid' : 'NOT VALID'}</strong>
                            {v.signatures.map((s) => (
                              <div key={s.index}>
                                Signature {s.index}: {s.valid ? 'valid' : 'invalid'} — {s.signer ?? '?'},{' '}
                                {s.signingTime ? formatWhen(s.signingTime) : '?'}
                                {s.coversWholeFile ? ', nothing changed since' : `, ${s.bytesAddedAfter} bytes added after`}
                              </div>
                            ))}
                            {v.eventLog.checked && (
                              <div>
                                Event log:{' '}
                                {v.eventLog.inChain ? 'in this database’s chain' : `not in the chain (${v.eventLog.detail ?? ''})`}
                              </div>
                            )}
                            {v.problems.map((p) => (
                              <div key={p} className="problem">
                                {p}
                              </div>
                            ))}
                          </div>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
