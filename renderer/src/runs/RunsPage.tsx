// Start or continue a run for a site: the technician's name, the controller link
// (the simulated controller for the demo site, a serial port otherwise) and the
// project's thresholds; the site's earlier runs with their progress.
import { useState, type FormEvent } from 'react';
import { STANDARD_BAUDS as BAUDS } from '../../../app/contract/controller';
import { api } from '../api';
import { href, navigate } from '../shell/router';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { formatWhen } from '../ui/format';
import { useApi } from '../query/useApi';
import { defaultLink, linkWords, loadRunLink, saveRunLink, type RunLink } from './link';
import { RemoteSummary } from './remote';
import './runs.css';

const TECH_KEY = 'doorcx-technician';

/** Thresholds offered on the start form (ms); the rest keep the project defaults. */
const THRESHOLD_FIELDS = [
  { key: 'releaseMs', label: 'Release within (ms)', hint: 'Power dropped or alarm → lock reads released' },
  { key: 'holdWindowMs', label: 'Fail-secure hold window (ms)', hint: 'Lock must stay secured this long with power dropped' },
  { key: 'relockMs', label: 'Relock within (ms)', hint: 'Power back → lock reads secured' },
  { key: 'alarmHoldMs', label: 'Alarm hold (ms)', hint: 'Lock stays released while the alarm is active' },
  { key: 'pdTimerMarginMs', label: 'PD timer margin (ms)', hint: 'Extra time the PD keeps its timed output before it restores it' },
  {
    key: 'maxReadingGapMs',
    label: 'Longest reading gap (ms)',
    hint: 'A longer silence between two readings makes the step inconclusive: a change could hide in it',
  },
] as const;
type ThresholdKey = (typeof THRESHOLD_FIELDS)[number]['key'];

export function LinkPicker({ value, onChange, idPrefix }: { value: RunLink | null; onChange: (l: RunLink) => void; idPrefix: string }) {
  // Nothing chosen yet: no radio is checked (a pre-checked serial choice with no port read as if a link were set).
  const kind = value?.kind ?? null;
  const port = value?.kind === 'serial' ? value.port : '';
  const baud = value?.kind === 'serial' ? value.baud : 9600;
  return (
    <fieldset className="group link-picker">
      <legend>Controller link</legend>
      <div className="choice-row" role="radiogroup" aria-label="Controller link">
        <label className="choice">
          <input type="radio" name={`${idPrefix}-link`} checked={kind === 'simulated'} onChange={() => onChange({ kind: 'simulated' })} />
          Simulated controller (demo, no hardware)
        </label>
        <label className="choice">
          <input
            type="radio"
            name={`${idPrefix}-link`}
            checked={kind === 'serial'}
            onChange={() => onChange({ kind: 'serial', port, baud })}
          />
          Serial port (USB–RS-485 adapter)
        </label>
      </div>
      {kind === 'serial' && (
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${idPrefix}-port`}>Port</label>
            <input
              id={`${idPrefix}-port`}
              type="text"
              value={port}
              placeholder="/dev/ttyUSB0 or COM3"
              onChange={(e) => onChange({ kind: 'serial', port: e.target.value, baud })}
            />
            <span className="hint">The USB–RS-485 adapter&apos;s device (see the Controller page for the ports found).</span>
          </div>
          <div className="field">
            <label htmlFor={`${idPrefix}-baud`}>Baud</label>
            <select id={`${idPrefix}-baud`} value={baud} onChange={(e) => onChange({ kind: 'serial', port, baud: Number(e.target.value) })}>
              {BAUDS.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
    </fieldset>
  );
}

export function RunsPage({ siteId }: { siteId: number }) {
  const { sites } = useSites();
  const site = sites?.find((s) => s.id === siteId);
  const runs = useApi('listRuns', { siteId });
  const remote = useApi('syncRemoteLatest', { siteId });
  const [technician, setTechnician] = useState(() => localStorage.getItem(TECH_KEY) ?? '');
  const [chosenLink, setLink] = useState<RunLink | null>(null);
  const link = chosenLink ?? defaultLink(site?.name);
  const [thresholds, setThresholds] = useState<Partial<Record<ThresholdKey, string>>>({});
  const [edition, setEdition] = useState('');
  const [ahjNote, setAhjNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const techMissing = error === 'technician';

  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (!technician.trim()) {
      setError('technician');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const t: Partial<Record<ThresholdKey, number>> = {};
      for (const f of THRESHOLD_FIELDS) {
        const raw = thresholds[f.key]?.trim();
        if (raw) t[f.key] = Number(raw);
      }
      const run = await api.startRun({
        siteId,
        technician: technician.trim(),
        settings: {
          ...(edition.trim() ? { edition: edition.trim() } : {}),
          ...(Object.keys(t).length > 0 ? { thresholds: t } : {}),
          ...(ahjNote.trim() ? { ahjNote: ahjNote.trim() } : {}),
        },
      });
      localStorage.setItem(TECH_KEY, technician.trim());
      if (link) saveRunLink(run.id, link);
      navigate(href('/sites/:siteId/runs/:runId', { siteId, runId: run.id }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page runs-page">
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Commissioning runs</h1>
          <p className="page-sub">{site?.name ?? `Site ${siteId}`} · start a new run or continue one</p>
        </div>
        <a className="btn" href={href('/sites/:siteId', { siteId })}>
          Schedule
        </a>
      </div>

      <div className="runs-grid">
        <form className="panel start-run" onSubmit={start} aria-labelledby="start-run-title" noValidate>
          <h2 id="start-run-title">Start a run</h2>
          <div className="field">
            <label htmlFor="technician">Technician</label>
            <input
              id="technician"
              type="text"
              autoComplete="name"
              value={technician}
              aria-invalid={techMissing}
              aria-describedby={techMissing ? 'technician-error' : undefined}
              onChange={(e) => setTechnician(e.target.value)}
            />
            {techMissing && (
              <p id="technician-error" className="field-error">
                Enter the technician&apos;s name: every result is recorded under it.
              </p>
            )}
          </div>
          <LinkPicker value={link} onChange={setLink} idPrefix="start" />
          <details className="section">
            <summary>Project settings (code edition, thresholds)</summary>
            <div className="section-body form-grid">
              <div className="field">
                <label htmlFor="edition">Code edition</label>
                <input id="edition" type="text" placeholder="IBC 2021" value={edition} onChange={(e) => setEdition(e.target.value)} />
              </div>
              {THRESHOLD_FIELDS.map((f) => (
                <div className="field" key={f.key}>
                  <label htmlFor={`th-${f.key}`}>{f.label}</label>
                  <input
                    id={`th-${f.key}`}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    placeholder="project default"
                    value={thresholds[f.key] ?? ''}
                    onChange={(e) => setThresholds({ ...thresholds, [f.key]: e.target.value })}
                  />
                  <span className="hint">{f.hint}</span>
                </div>
              ))}
              <div className="field wide">
                <label htmlFor="ahj-note">AHJ decision (needed to go outside code limits)</label>
                <textarea id="ahj-note" value={ahjNote} onChange={(e) => setAhjNote(e.target.value)} />
              </div>
            </div>
          </details>
          {error !== null && !techMissing && <ErrorBanner error={error} title="The run could not be started" />}
          <div>
            <button type="submit" className="btn primary big-btn" disabled={busy}>
              {busy ? 'Starting…' : 'Start run'}
            </button>
          </div>
        </form>

        <div className="runs-side">
          <section className="panel" aria-labelledby="runs-title">
            <h2 id="runs-title">Runs on this site</h2>
            <ErrorBanner error={runs.error} title="The runs could not be loaded" />
            {runs.data && runs.data.length === 0 && <p className="muted">No runs yet.</p>}
            <ul className="run-list">
              {(runs.data ?? []).map((r) => (
                <li key={r.id}>
                  <a className="run-link" href={href('/sites/:siteId/runs/:runId', { siteId, runId: r.id })}>
                    <span className="run-title">
                      Continue run #{r.id} · {r.technician}
                    </span>
                    <span className="muted">
                      {formatWhen(r.startedAt)} · {r.progress.tested}/{r.progress.total} tested · {r.progress.passed} passed ·{' '}
                      {r.progress.failed} failed · {r.progress.inconclusive} inconclusive · {linkWords(loadRunLink(r.id))}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
          {remote.data && <RemoteSummary results={remote.data} />}
        </div>
      </div>
    </div>
  );
}
