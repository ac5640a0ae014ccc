// The controller link page: pick a connection (the simulated controller or a serial
// port), scan the bus, and watch one PD live — its inputs and outputs as large
// indicators, a timed output drop the PD undoes by itself, and the command log.
import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  INPUT_STATE,
  STANDARD_BAUDS as BAUDS,
  type CommandLogEntry,
  type ControllerStatus,
  type PointReading,
  type ScanProgressEvent,
  type ScanResult,
} from '../../../app/contract/controller';
import { api } from '../api';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { apiKey } from '../query/keys';
import { useApi } from '../query/useApi';
import './controller.css';

type Baud = (typeof BAUDS)[number];

const INPUT_NAMES = ['lock status', 'door position', 'REX', 'input 3'];
const OUTPUT_NAMES = ['lock power', 'fire alarm'];

function ConnectionPicker({ status, onChange }: { status: ControllerStatus | undefined; onChange: (s: ControllerStatus) => void }) {
  const ports = useApi('controllerListPorts', {});
  const [kind, setKind] = useState<'simulated' | 'serial'>('simulated');
  const [port, setPort] = useState('');
  const [baud, setBaud] = useState<Baud>(9600);
  const [secure, setSecure] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const connect = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await api.controllerConnect(kind === 'serial' ? { kind, port, baud, secure } : { kind, baud, secure }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const disconnect = async () => {
    setBusy(true);
    try {
      onChange(await api.controllerDisconnect({}));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel ctl-connection" aria-labelledby="ctl-conn-h">
      <h2 id="ctl-conn-h">Connection</h2>
      {status?.connected ? (
        <div className="ctl-row">
          {status.adapter === 'disconnected' ? (
            <p className="ctl-disconnected" role="alert" data-testid="ctl-adapter-disconnected">
              <strong>Adapter disconnected</strong> ({status.adapterReason}). Plug the USB–RS-485 adapter back in: the link reconnects by
              itself and reads the PDs&apos; outputs first.
            </p>
          ) : (
            <p className="ctl-connected" data-testid="ctl-connected">
              Connected: <strong>{status.description}</strong>
            </p>
          )}
          <button type="button" className="btn" onClick={() => void disconnect()} disabled={busy}>
            Disconnect
          </button>
        </div>
      ) : (
        <div className="ctl-row">
          <fieldset className="ctl-kind">
            <legend>Connect to</legend>
            <label className="checkbox">
              <input type="radio" name="ctl-kind" checked={kind === 'simulated'} onChange={() => setKind('simulated')} />
              Simulated controller (demo site)
            </label>
            <label className="checkbox">
              <input type="radio" name="ctl-kind" checked={kind === 'serial'} onChange={() => setKind('serial')} />
              Serial port
            </label>
          </fieldset>
          {kind === 'serial' && (
            <label className="field">
              <span>Port</span>
              <input list="ctl-ports" value={port} onChange={(e) => setPort(e.target.value)} placeholder="/dev/ttyUSB0" />
              <datalist id="ctl-ports">
                {(ports.data ?? []).map((p) => (
                  <option key={p.path} value={p.path}>
                    {p.manufacturer ?? ''}
                  </option>
                ))}
              </datalist>
              {ports.error ? <span className="field-error">{ports.error.message}</span> : null}
            </label>
          )}
          <label className="field">
            <span>Baud</span>
            <select value={baud} onChange={(e) => setBaud(Number(e.target.value) as Baud)}>
              {BAUDS.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={secure} onChange={(e) => setSecure(e.target.checked)} />
            Secure channel
          </label>
          <button type="button" className="btn primary" onClick={() => void connect()} disabled={busy || (kind === 'serial' && !port)}>
            Connect
          </button>
        </div>
      )}
      <ErrorBanner error={error} title="Could not connect" />
    </section>
  );
}

function ScanPanel({ onPick }: { onPick: (address: number) => void }) {
  const [result, setResult] = useState<ScanResult | null>(null);
  const [allBauds, setAllBauds] = useState(false);
  const [stopAtFirst, setStopAtFirst] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ScanProgressEvent | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => api.subscribe('controllerScanProgress', (p) => setProgress(p)), []);
  const scan = async () => {
    setBusy(true);
    setError(null);
    setProgress(null);
    try {
      setResult(await api.controllerScan({ from: 0, to: 126, bauds: allBauds ? [...BAUDS] : [], stopAtFirst }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="ctl-scan-h">
      <div className="ctl-row">
        <h2 id="ctl-scan-h">Scan the bus</h2>
        <label className="checkbox">
          <input type="checkbox" checked={allBauds} onChange={(e) => setAllBauds(e.target.checked)} />
          All standard baud rates
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={stopAtFirst} onChange={(e) => setStopAtFirst(e.target.checked)} />
          Stop at the first PD
        </label>
        <button type="button" className="btn primary" onClick={() => void scan()} disabled={busy}>
          {busy ? 'Scanning addresses 0–126…' : 'Scan 0–126'}
        </button>
        {busy && (
          <button type="button" className="btn" onClick={() => void api.controllerScanCancel({})}>
            Cancel scan
          </button>
        )}
      </div>
      {busy && progress && (
        <p className="muted" role="status" data-testid="scan-progress">
          <progress max={progress.total} value={progress.probed} /> {progress.probed} of {progress.total} addresses probed ·{' '}
          {progress.pdsFound} PD(s) found
        </p>
      )}
      <ErrorBanner error={error} title="Scan failed" />
      {result && (
        <div className="table-wrap">
          <p className="muted" data-testid="scan-summary">
            {result.cancelled ? 'Cancelled: ' : ''}Found {result.found.length} PD(s) in {(result.durationMs / 1000).toFixed(1)} s (
            {result.probed} of {result.total} probes).
          </p>
          <table className="ctl-table" data-testid="scan-results">
            <thead>
              <tr>
                <th>Address</th>
                <th>Baud</th>
                <th>Identity</th>
                <th>Capabilities</th>
                <th>Secure-channel key</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {result.found.map((f) => (
                <tr key={`${f.address}@${f.baud}`}>
                  <td>{f.address}</td>
                  <td>{f.baud}</td>
                  <td>
                    {f.identity
                      ? `${f.identity.vendor} · model ${f.identity.model} · s/n ${f.identity.serial} · fw ${f.identity.firmware}`
                      : '—'}
                  </td>
                  <td>
                    {f.capabilities
                      ? `${f.capabilities.inputs} in / ${f.capabilities.outputs} out${f.capabilities.secureChannel ? ' · SC' : ''}`
                      : '—'}
                  </td>
                  <td>
                    {f.requiresKey ? (
                      <span className="sev sev-security">Requires a secure-channel key: connect with its key</span>
                    ) : f.defaultKey === true ? (
                      <span className="sev sev-security">Default key (SCBK-D) still in use</span>
                    ) : f.defaultKey === false ? (
                      'Own key'
                    ) : (
                      'No secure channel'
                    )}
                  </td>
                  <td>
                    <button type="button" className="btn small" onClick={() => onPick(f.address)}>
                      Open live panel
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Indicator({ label, on, text, testId }: { label: string; on: boolean; text: string; testId: string }) {
  return (
    <div className={`ctl-indicator ${on ? 'on' : 'off'}`} data-testid={testId} data-on={on}>
      <span className="ctl-lamp" aria-hidden="true" />
      <span className="ctl-ind-label">{label}</span>
      <span className="ctl-ind-value">{text}</span>
    </div>
  );
}

function LivePanel({ address, simulated }: { address: number; simulated: boolean }) {
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [duration, setDuration] = useState(5);
  const [lastDrop, setLastDrop] = useState<string | null>(null);
  const [local, setLocal] = useState<{ tamper: boolean; powerFailure: boolean; at: string } | null>(null);
  const status = useApi('controllerPdStatus', { address });
  // Outputs change on the PD's own timer: re-read them every second while the panel is open.
  const points = useApi('controllerReadPoints', { address }, { refetchInterval: 1000 });
  const reading = points.data ?? null;
  const refresh = async () => {
    setError(null);
    await points.refetch();
  };

  useEffect(() => {
    const key = apiKey('controllerReadPoints', { address });
    const off = api.subscribe('controllerInput', (e) => {
      if (e.address === address)
        client.setQueryData<PointReading>(key, (r) => ({ address, at: e.at, inputs: e.inputs, outputs: r?.outputs ?? [] }));
    });
    const offLocal = api.subscribe('controllerPdLocalStatus', (e) => {
      if (e.address === address) setLocal({ tamper: e.tamper, powerFailure: e.powerFailure, at: e.at });
    });
    return () => {
      off();
      offLocal();
    };
  }, [address, client]);

  const drop = async (state: 'off' | 'on') => {
    setError(null);
    try {
      const r = await api.controllerTimedOutput({ address, output: 0, state, durationMs: Math.round(duration * 1000) });
      setLastDrop(
        `${r.reply} · output 0 confirmed ${r.confirmedOn ? 'ON' : 'OFF'}${r.confirmed ? '' : ' (NOT where asked!)'} · the PD restores it at ${new Date(r.restoresAt).toLocaleTimeString()}`,
      );
      await refresh();
    } catch (e) {
      setError(e);
    }
  };
  const sim = async (
    action: 'rex' | 'push' | 'credential' | 'fire-alarm' | 'fire-alarm-reset' | 'tamper' | 'tamper-clear' | 'power-fail' | 'power-restore',
  ) => {
    const openingId = status.data?.openingId;
    try {
      await api.controllerSimControl(openingId ? { action, openingId } : { action });
      await refresh();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section className="panel" aria-labelledby="ctl-live-h">
      <h2 id="ctl-live-h">
        PD {address}
        {status.data?.openingId ? ` · opening ${status.data.openingId}` : ''}
        {status.data?.identity ? ` · s/n ${status.data.identity.serial}` : ''}
      </h2>
      <ErrorBanner error={error ?? points.error ?? status.error} title="PD not answering" />
      {local && (local.tamper || local.powerFailure) && (
        <p className="ctl-disconnected" role="alert" data-testid="pd-local-status">
          {local.tamper && <strong>TAMPER: the PD reports its enclosure open. </strong>}
          {local.powerFailure && <strong>POWER FAILURE: the PD reports its input power lost. </strong>}
          <span className="muted">(since {new Date(local.at).toLocaleTimeString()})</span>
        </p>
      )}
      <div className="ctl-indicators" aria-live="polite">
        {(reading?.inputs ?? []).map((v, i) => (
          <Indicator
            key={`in${i}`}
            testId={`input-${i}`}
            label={`Input ${i} · ${INPUT_NAMES[i] ?? ''}`}
            on={v === 1}
            text={INPUT_STATE[v] ?? `value ${v}`}
          />
        ))}
        {(reading?.outputs ?? []).map((v, i) => (
          <Indicator
            key={`out${i}`}
            testId={`output-${i}`}
            label={`Output ${i} · ${OUTPUT_NAMES[i] ?? ''}`}
            on={v === 1}
            text={v ? 'ON' : 'OFF'}
          />
        ))}
      </div>
      <div className="ctl-row">
        <label className="field">
          <span>Duration (s)</span>
          <input type="number" min={0.1} max={600} step={0.1} value={duration} onChange={(e) => setDuration(Number(e.target.value))} />
        </label>
        <button type="button" className="btn primary" onClick={() => void drop('off')}>
          Drop lock power (timed)
        </button>
        <button type="button" className="btn" onClick={() => void drop('on')}>
          Output 0 ON (timed)
        </button>
      </div>
      {lastDrop && (
        <p role="status" data-testid="drop-result">
          {lastDrop}
        </p>
      )}
      {simulated && (
        <div className="ctl-row" aria-label="Simulator controls">
          <span className="muted">Simulator:</span>
          <button type="button" className="btn small" onClick={() => void sim('rex')}>
            Press REX
          </button>
          <button type="button" className="btn small" onClick={() => void sim('push')}>
            Push door
          </button>
          <button type="button" className="btn small" onClick={() => void sim('credential')}>
            Present credential
          </button>
          <button type="button" className="btn small" onClick={() => void sim('fire-alarm')}>
            Fire alarm at panel
          </button>
          <button type="button" className="btn small" onClick={() => void sim('fire-alarm-reset')}>
            Reset fire alarm
          </button>
          <button type="button" className="btn small" onClick={() => void sim(local?.tamper ? 'tamper-clear' : 'tamper')}>
            {local?.tamper ? 'Close the PD enclosure' : 'Open the PD enclosure (tamper)'}
          </button>
          <button type="button" className="btn small" onClick={() => void sim(local?.powerFailure ? 'power-restore' : 'power-fail')}>
            {local?.powerFailure ? 'Restore PD power' : 'Fail PD input power'}
          </button>
        </div>
      )}
    </section>
  );
}

const LOG_KEY = apiKey('controllerLog', { limit: 200 });
const LOG_KEEP = 1000;

function CommandLogPanel() {
  const client = useQueryClient();
  const log = useApi('controllerLog', { limit: 200 });
  useEffect(
    () =>
      api.subscribe('controllerLog', (e) =>
        client.setQueryData<CommandLogEntry[]>(LOG_KEY, (list) => (list ? [...list.slice(-(LOG_KEEP - 1)), e] : list)),
      ),
    [client],
  );
  const [hideIdle, setHideIdle] = useState(true);
  const rows = useMemo(() => (log.data ?? []).filter((e) => !(hideIdle && e.idle)).reverse(), [log.data, hideIdle]);
  // Up to a thousand entries, a few a second while a PD is watched: only the rows in view are in the DOM.
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 38,
    overscan: 20,
    getItemKey: (i) => rows[i]!.seq,
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = Math.max(0, virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0));
  return (
    <section className="panel" aria-labelledby="ctl-log-h">
      <div className="ctl-row">
        <h2 id="ctl-log-h">Command log</h2>
        <label className="checkbox">
          <input type="checkbox" checked={hideIdle} onChange={(e) => setHideIdle(e.target.checked)} />
          Hide idle polls
        </label>
      </div>
      <ErrorBanner error={log.error} title="The command log could not be loaded" />
      <div className="table-wrap ctl-log" ref={scrollRef}>
        <table className="ctl-table" data-testid="command-log" aria-rowcount={rows.length + 1}>
          <thead>
            <tr>
              <th>Time</th>
              <th>Dir</th>
              <th>Addr</th>
              <th>Meaning</th>
              <th>Hex</th>
            </tr>
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr aria-hidden="true">
                <td colSpan={5} className="ctl-pad" style={{ height: padTop }} />
              </tr>
            )}
            {items.map((item) => {
              const e = rows[item.index]!;
              return (
                <tr
                  key={item.key}
                  ref={virtualizer.measureElement}
                  data-index={item.index}
                  aria-rowindex={item.index + 2}
                  className={`ctl-dir-${e.direction}`}
                >
                  <td>{new Date(e.at).toISOString().slice(11, 23)}</td>
                  <td>{e.direction === 'tx' ? 'ACU → PD' : e.direction === 'rx' ? 'PD → ACU' : 'dropped'}</td>
                  <td>{e.address ?? ''}</td>
                  <td>{e.meaning}</td>
                  <td className="ctl-hex">{e.hex}</td>
                </tr>
              );
            })}
            {padBottom > 0 && (
              <tr aria-hidden="true">
                <td colSpan={5} className="ctl-pad" style={{ height: padBottom }} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The site key store for this session: which site, and its passphrase (held in memory only, never stored). */
interface SiteKeys {
  siteId: number;
  passphrase: string;
}

function KeysPanel({ defaultSiteId, onUnlock }: { defaultSiteId: number | null; onUnlock: (k: SiteKeys) => void }) {
  const { sites } = useSites();
  const [siteId, setSiteId] = useState<number | null>(defaultSiteId);
  const [passphrase, setPassphrase] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const unlock = async () => {
    if (siteId === null) return;
    setError(null);
    try {
      const r = await api.controllerUnlockKeys({ siteId, passphrase });
      onUnlock({ siteId, passphrase });
      setResult(`Key store open: ${r.addresses.length} PD key(s) in use on this connection.`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="panel" aria-labelledby="ctl-keys-h">
      <h2 id="ctl-keys-h">Site secure-channel keys</h2>
      <div className="ctl-row">
        <label className="field">
          <span>Site</span>
          <select value={siteId ?? ''} onChange={(e) => setSiteId(e.target.value === '' ? null : Number(e.target.value))}>
            <option value="">Choose a site…</option>
            {(sites ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Key store passphrase</span>
          <input type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
        </label>
        <button type="button" className="btn" disabled={siteId === null || passphrase.length === 0} onClick={() => void unlock()}>
          Open key store
        </button>
      </div>
      {result && <p className="muted">{result}</p>}
      <ErrorBanner error={error} title="Could not open the key store" />
    </section>
  );
}

function KeysetControl({ address, keys }: { address: number; keys: SiteKeys | null }) {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const keyset = async () => {
    if (!keys) return;
    setBusy(true);
    setError(null);
    try {
      await api.controllerKeyset({ address, siteId: keys.siteId, passphrase: keys.passphrase });
      setDone('New key saved in the site key store and acknowledged by the PD; recorded in the event log.');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="ctl-row">
      <button type="button" className="btn" disabled={!keys || busy} onClick={() => void keyset()} data-testid="keyset">
        Give this PD its own key (KEYSET)
      </button>
      {!keys && <span className="muted">Open the site key store first: the new key is saved there before it is sent.</span>}
      {done && <span className="muted">{done}</span>}
      <ErrorBanner error={error} title="KEYSET failed" />
    </div>
  );
}

export function ControllerPage() {
  const client = useQueryClient();
  // Kept current by the controllerStatus push event (query/push.ts).
  const initial = useApi('controllerStatus', {});
  const status = initial.data;
  const setStatus = (s: ControllerStatus) => client.setQueryData(apiKey('controllerStatus', {}), s);
  const [address, setAddress] = useState<number | null>(null);
  const [keys, setKeys] = useState<SiteKeys | null>(null);
  const connected = status?.connected === true;
  return (
    <div className="page ctl-page">
      <div className="page-head">
        <h1>Controller link</h1>
        <p className="page-sub">OSDP over RS-485: scan the bus, watch a PD live, drop lock power only as a timed command.</p>
      </div>
      <ErrorBanner error={initial.error} />
      <ConnectionPicker status={status} onChange={setStatus} />
      {connected && (
        <>
          <KeysPanel defaultSiteId={status.siteId} onUnlock={setKeys} />
          <ScanPanel onPick={setAddress} />
          {status.kind === 'simulated' && status.simulatedPds.length > 0 && (
            <label className="field ctl-pd-pick">
              <span>Simulated PD</span>
              <select value={address ?? ''} onChange={(e) => setAddress(e.target.value === '' ? null : Number(e.target.value))}>
                <option value="">Choose a PD…</option>
                {status.simulatedPds.map((p) => (
                  <option key={p.address} value={p.address}>
                    {p.address} · {p.openingId ?? ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          {address !== null && <LivePanel key={address} address={address} simulated={status.kind === 'simulated'} />}
          {address !== null && <KeysetControl key={`k${address}`} address={address} keys={keys} />}
          <CommandLogPanel />
        </>
      )}
    </div>
  );
}
