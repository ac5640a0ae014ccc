// Sync: the state, what is waiting to go up (per kind), last success and last error,
// "Sync now", schedule versions offered by the server (diff first, applied on accept),
// results other devices sent, and the server address with enrolment.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import type { SyncStatusView } from '../../../app/contract/sync';
import { api } from '../api';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { formatWhen } from '../ui/format';
import { apiKey, methodKey } from '../query/keys';
import { useApi } from '../query/useApi';
import { useSyncState } from './useSyncState';
import { syncStateWords } from './words';
import './sync.css';

function Enrolment({ status, onChanged }: { status: SyncStatusView; onChanged: (s: SyncStatusView) => void }) {
  const [serverUrl, setServerUrl] = useState(status.serverUrl ?? '');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const enrol = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.syncEnroll({ serverUrl, code, ...(name.trim() ? { name: name.trim() } : {}) }));
      setCode('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="enrol-h">
      <h2 id="enrol-h">Server and enrolment</h2>
      {status.enrolment ? (
        <p data-testid="enrolment">
          Enrolled as <strong>{status.enrolment.deviceName}</strong> with <code>{status.enrolment.serverUrl}</code> since{' '}
          {formatWhen(status.enrolment.enrolledAt)}.
        </p>
      ) : (
        <p>This laptop is not enrolled: results stay here until it is. Ask the office for an enrolment code.</p>
      )}
      <form className="sync-form" onSubmit={(e) => void enrol(e)}>
        <label>
          Server address
          <input
            type="url"
            required
            value={serverUrl}
            onChange={(e) => setServerUrl(e.target.value)}
            placeholder="https://sync.example.com"
          />
        </label>
        <label>
          Enrolment code
          <input required minLength={4} value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Device name (optional)
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Tablet 3" />
        </label>
        <button className="btn primary" type="submit" disabled={busy}>
          {status.enrolment ? 'Enrol again' : 'Enrol'}
        </button>
      </form>
      <ErrorBanner error={error} title="Enrolment failed" />
    </section>
  );
}

function Offers({ status, onApplied }: { status: SyncStatusView; onApplied: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [editor, setEditor] = useState('');
  if (status.offers.length === 0) return null;
  const accept = async (serverSite: string, diffHash: string) => {
    setError(null);
    try {
      await api.syncAcceptSchedule({ serverSite, diffHash, editor: editor.trim() || 'technician' });
      onApplied();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-labelledby="offers-h">
      <h2 id="offers-h">Schedule updates from the server</h2>
      <label>
        Your name (recorded with the change)
        <input value={editor} onChange={(e) => setEditor(e.target.value)} />
      </label>
      {status.offers.map((o) => (
        <div key={o.serverSite} className="offer" data-testid="offer">
          <h3>
            {o.siteName} — server version {o.version}
            {o.siteId === null ? ' (new on this laptop)' : ''}
          </h3>
          {o.diff ? (
            <>
              <p>
                {o.diff.added.length} added, {o.diff.changed.length} changed, {o.diff.removed.length} removed, {o.diff.unchanged} unchanged.
              </p>
              <ul className="diff">
                {o.diff.added.slice(0, 50).map((id) => (
                  <li key={`a${id}`}>+ {id}</li>
                ))}
                {o.diff.removed.slice(0, 50).map((id) => (
                  <li key={`r${id}`}>− {id} (removed from the schedule; its results are kept)</li>
                ))}
                {o.diff.changed.slice(0, 50).map((c) => (
                  <li key={`c${c.openingId}`}>
                    ~ {c.openingId}: {c.changes.map((x) => `${x.field} “${x.oldValue}” → “${x.newValue}”`).join('; ')}
                  </li>
                ))}
              </ul>
              <button className="btn primary" type="button" onClick={() => void accept(o.serverSite, o.diffHash!)}>
                Accept these changes
              </button>
            </>
          ) : (
            <p>The server’s version has problems and cannot be applied: {o.errors.slice(0, 3).join('; ')}</p>
          )}
        </div>
      ))}
      <ErrorBanner error={error} title="The schedule was not applied" />
    </section>
  );
}

function OthersResults() {
  const { sites } = useSites();
  const [siteId, setSiteId] = useState<number | null>(null);
  useEffect(() => {
    if (siteId === null && sites?.[0]) setSiteId(sites[0].id);
  }, [sites, siteId]);
  const results = useApi('syncRemoteResults', { siteId: siteId ?? 0 }, { enabled: siteId !== null });
  return (
    <section className="card" aria-labelledby="others-h">
      <h2 id="others-h">Results from other devices</h2>
      <label>
        Site{' '}
        <select value={siteId ?? ''} onChange={(e) => setSiteId(Number(e.target.value))}>
          {(sites ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {results.data && results.data.length === 0 && <p>None yet.</p>}
      {results.data && results.data.length > 0 && (
        <table className="data" data-testid="others">
          <thead>
            <tr>
              <th>Opening</th>
              <th>Procedure</th>
              <th>Verdict</th>
              <th>Technician</th>
              <th>Device</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {results.data.map((r) => (
              <tr key={r.uuid}>
                <td>{r.openingId}</td>
                <td>{r.procedureId}</td>
                <td>{r.verdict ?? 'not ended'}</td>
                <td>{r.technician}</td>
                <td>{r.deviceName}</td>
                <td>{formatWhen(r.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function SyncPage() {
  const client = useQueryClient();
  // Refetched by query/push.ts whenever a sync ends.
  const status = useApi('syncStatus', {});
  const live = useSyncState();
  const [error, setError] = useState<unknown>(null);
  const state = live ?? status.data?.state ?? null;
  const setStatus = (v: SyncStatusView) => client.setQueryData(apiKey('syncStatus', {}), v);
  const applied = () => {
    void status.refetch();
    // An accepted schedule can add a site or change its openings.
    void client.invalidateQueries({ queryKey: methodKey('listSites') });
  };

  const syncNow = async () => {
    setError(null);
    try {
      setStatus(await api.syncNow({}));
    } catch (err) {
      setError(err);
    }
  };
  const s = status.data;
  return (
    <div className="page sync-page">
      <h1>Sync</h1>
      <ErrorBanner error={status.error ?? error} />
      {s && state && (
        <>
          <section className="card" aria-labelledby="state-h">
            <h2 id="state-h">State</h2>
            <p className={`sync-state sync-${state.kind}`} data-testid="sync-state">
              {syncStateWords(state)}
            </p>
            {(state.kind === 'offline' || state.kind === 'error') && state.nextAttemptAt && (
              <p>Next attempt at {formatWhen(state.nextAttemptAt)}.</p>
            )}
            <dl className="sync-facts">
              <dt>Last successful sync</dt>
              <dd data-testid="last-success">{s.lastSuccessAt ? formatWhen(s.lastSuccessAt) : 'never'}</dd>
              <dt>Last error</dt>
              <dd data-testid="last-error">{s.lastError ? `${s.lastError} (${formatWhen(s.lastErrorAt ?? '')})` : 'none'}</dd>
            </dl>
            <button
              className="btn primary"
              type="button"
              onClick={() => void syncNow()}
              disabled={!s.enrolment || state.kind === 'syncing'}
            >
              Sync now
            </button>
          </section>
          <section className="card" aria-labelledby="pending-h">
            <h2 id="pending-h">Waiting to be sent</h2>
            <table className="data" data-testid="pending">
              <tbody>
                {s.pending.map((p) => (
                  <tr key={p.table}>
                    <th scope="row">{p.label}</th>
                    <td>{p.pending}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <Offers status={s} onApplied={applied} />
          <OthersResults />
          <Enrolment status={s} onChanged={setStatus} />
        </>
      )}
    </div>
  );
}
