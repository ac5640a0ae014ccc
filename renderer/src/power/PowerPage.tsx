// A site's power supplies: each one's load against its derated capacity (normal and
// peak), battery hours against the requirement, the openings on it and its findings;
// supplies imported from a file, edited in a form, exported; meter readings at the door.
import { useId, useState } from 'react';
import {
  findingsBySupply,
  type PowerFinding,
  type PowerView,
  type SupplyImportPreview,
  type SupplyView,
} from '../../../app/contract/power';
import { api } from '../api';
import { readFileBase64 } from '../schedule/ImportDialog';
import { href } from '../shell/router';
import { ErrorBanner, issuesOf, messageOf } from '../ui/errors';
import { formatCount } from '../ui/format';
import { SEVERITY_LABEL, SeverityBadge, SeverityCounts } from '../ui/severity';
import { useApi } from '../query/useApi';
import { amps, download, hours, percent } from './format';
import { LoadBar } from './LoadBar';
import { MeterReading } from './MeterReading';
import { SupplyForm } from './SupplyForm';
import './power.css';

export function PowerPage({ siteId }: { siteId: number }) {
  const power = useApi('getPower', { siteId });
  const summary = useApi('getSiteSummary', { siteId });
  const reload = () => void power.refetch();
  const [adding, setAdding] = useState(false);
  const [onlyProblems, setOnlyProblems] = useState(false);
  const p = power.data;
  // Findings not shown on a supply's card: openings on no supply, or on a supply not in the list.
  const listed = new Set(p?.supplies.map((s) => s.supply.supply_id.toLowerCase()));
  const siteFindings = p?.findings.filter((f) => !f.supplyId || !listed.has(f.supplyId.toLowerCase())) ?? [];
  const bySupply = p ? findingsBySupply(p.findings) : new Map<string, PowerFinding[]>();
  const findingsOf = (s: SupplyView) => bySupply.get(s.supply.supply_id.toLowerCase()) ?? [];
  const shown = p ? (onlyProblems ? p.supplies.filter((s) => findingsOf(s).length > 0) : p.supplies) : [];

  return (
    <div className="page power-page">
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>Power{summary.data ? ` · ${summary.data.site.name}` : ''}</h1>
          <p className="page-sub">
            Lock power supplies and standby batteries
            {p ? ` · ${formatCount(p.supplies.length)} supplies · ${formatCount(p.openingCount)} openings` : ''}
          </p>
        </div>
        <a className="btn" href={href('/sites/:siteId', { siteId })}>
          Schedule
        </a>
        <button type="button" className="btn" onClick={() => setAdding(true)} disabled={adding}>
          Add supply
        </button>
      </div>
      <ErrorBanner error={power.error} title="The power analysis could not be loaded" />

      <SupplyImport siteId={siteId} onImported={reload} hasSupplies={(p?.supplies.length ?? 0) > 0} />

      {adding && (
        <section className="panel" aria-label="New supply">
          <h2>New supply</h2>
          <SupplyForm
            siteId={siteId}
            supply={null}
            onCancel={() => setAdding(false)}
            onSaved={() => {
              setAdding(false);
              reload();
            }}
          />
        </section>
      )}

      {p && (
        <>
          <section className="panel power-summary" aria-label="Power findings">
            <div className="power-summary-row">
              <h2>Findings</h2>
              <SeverityCounts counts={p.findingsBySeverity} />
              <Settings siteId={siteId} view={p} onSaved={reload} />
            </div>
            {siteFindings.length > 0 && <FindingList findings={siteFindings} siteId={siteId} />}
          </section>

          {p.supplies.length > 0 && (
            <div className="power-toolbar">
              <label className="checkbox">
                <input type="checkbox" checked={onlyProblems} onChange={(e) => setOnlyProblems(e.target.checked)} />
                Only supplies with findings
              </label>
              <span className="muted">
                Derated to {percent(p.settings.supplyDerating)} of the rated output; batteries counted at{' '}
                {percent(p.settings.batteryDerating)}
              </span>
            </div>
          )}
          <div className="supplies" aria-live="polite">
            {shown.map((r) => (
              <SupplyCard key={r.supply.supply_id} siteId={siteId} report={r} findings={findingsOf(r)} onChanged={reload} />
            ))}
          </div>
          <MeterReading siteId={siteId} onRecorded={reload} />
        </>
      )}
    </div>
  );
}

function SupplyImport({ siteId, onImported, hasSupplies }: { siteId: number; onImported: () => void; hasSupplies: boolean }) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  // Replacing the list may remove supplies: the difference is shown and confirmed first.
  const [preview, setPreview] = useState<SupplyImportPreview | null>(null);
  const issues = preview && preview.errors.length > 0 ? preview.errors : issuesOf(error);

  const check = async () => {
    if (!file) return;
    setBusy(true);
    setDone(null);
    setError(null);
    try {
      setPreview(await api.previewSupplies({ siteId, fileName: file.name, contentBase64: await readFileBase64(file) }));
    } catch (err) {
      setPreview(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (!file) return;
    setBusy(true);
    try {
      const r = await api.importSupplies({ siteId, fileName: file.name, contentBase64: await readFileBase64(file) });
      setPreview(null);
      setDone(`Imported ${r.count} supplies: ${r.added} added, ${r.changed} changed, ${r.removed} removed.`);
      onImported();
    } catch (err) {
      setPreview(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const ready = preview !== null && preview.errors.length === 0;
  const exportAs = async (format: 'csv' | 'xlsx') => {
    try {
      download(await api.exportSupplies({ siteId, format }));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Import or export supplies</h2>
      <p className="muted">
        CSV or XLSX, one supply per row: a separate file, or the schedule workbook with a sheet named “Power Supplies”. Importing replaces
        the site’s supplies; one bad cell and nothing changes.
      </p>
      <form
        className="supply-import"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-file`}>Supplies file</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setError(null);
              setDone(null);
              setPreview(null);
            }}
          />
        </div>
        <button type="submit" className="btn primary" disabled={!file || busy}>
          {busy && !ready ? 'Reading…' : 'Import supplies'}
        </button>
        {hasSupplies && (
          <>
            <button type="button" className="btn" onClick={() => void exportAs('csv')}>
              Export CSV
            </button>
            <button type="button" className="btn" onClick={() => void exportAs('xlsx')}>
              Export XLSX
            </button>
          </>
        )}
      </form>
      {done && (
        <p className="banner ok" role="status">
          {done}
        </p>
      )}
      {ready && (
        <div className="banner" role="status" aria-label="Supplies to import">
          <p style={{ marginTop: 0 }}>
            {preview.supplies.length} supplies read{preview.sheet ? ` from the sheet “${preview.sheet}”` : ''}: {preview.added.length} added
            {preview.added.length > 0 ? ` (${preview.added.join(', ')})` : ''}, {preview.changed.length} changed
            {preview.changed.length > 0 ? ` (${preview.changed.join(', ')})` : ''}, {preview.removed.length} removed
            {preview.removed.length > 0 ? ` (${preview.removed.join(', ')})` : ''}.
          </p>
          <button type="button" className="btn primary" disabled={busy} onClick={() => void apply()}>
            {busy ? 'Importing…' : 'Replace the supplies'}
          </button>{' '}
          <button type="button" className="btn" onClick={() => setPreview(null)}>
            Cancel
          </button>
        </div>
      )}
      {(error !== null || (preview !== null && preview.errors.length > 0)) && (
        <div className="banner error" role="alert">
          <h3>Nothing was imported</h3>
          <p style={{ margin: 0 }}>
            {error !== null
              ? messageOf(error)
              : `The file has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was imported.`}
          </p>
          {issues.length > 0 && (
            <ul className="issue-list">
              {issues.map((i, n) => (
                <li key={n}>
                  {[i.row !== undefined ? `Row ${i.row}` : null, i.column ? `column “${i.column}”` : null].filter(Boolean).join(', ')}
                  {i.value !== undefined && i.value !== '' ? ` (“${i.value}”)` : ''}: {i.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function SupplyCard({
  siteId,
  report: r,
  findings,
  onChanged,
}: {
  siteId: number;
  report: SupplyView;
  findings: PowerFinding[];
  onChanged: () => void;
}) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const s = r.supply;
  const short = r.requiredHours > 0 && r.batteryHours !== null && r.batteryHours < r.requiredHours;
  const worst = findings[0]?.severity ?? null;

  const remove = async () => {
    if (!window.confirm(`Delete supply ${s.supply_id}? Openings that name it will show as on an unknown supply.`)) return;
    try {
      await api.deleteSupply({ siteId, supplyId: s.supply_id });
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className={`panel supply${worst ? ` sev-border-${worst}` : ''}`} aria-labelledby={`${id}-h`} data-supply-id={s.supply_id}>
      <div className="supply-head">
        <h2 id={`${id}-h`}>{s.supply_id}</h2>
        <span className="muted">
          {[
            s.location,
            `${s.output_voltage} V`,
            `${s.rated_current_a} A rated`,
            s.fire_alarm_release ? 'released by fire alarm' : 'not released by fire alarm',
          ]
            .filter(Boolean)
            .join(' · ')}
        </span>
        <SeverityBadge severity={worst} count={findings.length || undefined} />
        <span className="supply-actions">
          <button type="button" className="btn small" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
            {editing ? 'Close editor' : `Edit ${s.supply_id}`}
          </button>
          <button type="button" className="btn small" onClick={() => void remove()}>
            Delete
          </button>
        </span>
      </div>
      <ErrorBanner error={error} title="The supply could not be deleted" />
      {editing && (
        <SupplyForm
          siteId={siteId}
          supply={s}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
        />
      )}
      <div className="supply-bars">
        <LoadBar
          label={`${s.supply_id} normal load`}
          value={r.normalRatio}
          text={`${amps(r.normalMa)} (${percent(r.normalRatio)})`}
          limit={`${amps(r.deratedMa)} derated`}
          over={r.normalRatio > 1}
          overText="over capacity"
        />
        <LoadBar
          label={`${s.supply_id} peak load`}
          value={r.peakRatio}
          text={`${amps(r.peakMa)} (${percent(r.peakRatio)})`}
          limit={`${amps(r.deratedMa)} derated`}
          over={r.peakRatio > 1}
          overText="over capacity"
        />
        {r.requiredHours > 0 || r.usableAh > 0 ? (
          <LoadBar
            label={`${s.supply_id} battery`}
            value={r.batteryHours === null ? 1 : r.requiredHours > 0 ? r.batteryHours / r.requiredHours : 1}
            text={r.batteryHours === null ? 'no standby load' : hours(r.batteryHours)}
            limit={r.requiredHours > 0 ? `${hours(r.requiredHours)} required` : 'no requirement'}
            over={short}
            overText={r.batteryHours !== null && short ? `short by ${hours(r.requiredHours - r.batteryHours)}` : ''}
          />
        ) : (
          <p className="muted">No battery and no standby requirement.</p>
        )}
      </div>
      <p className="supply-openings">
        <a href={href('/sites/:siteId', { siteId }, { powerSupply: s.supply_id })}>
          {formatCount(r.openingCount)} {r.openingCount === 1 ? 'opening' : 'openings'} on {s.supply_id}
        </a>{' '}
        <span className="muted">
          ({r.failSafeCount} fail-safe, {r.failSecureCount} fail-secure
          {r.usableAh > 0 ? ` · ${Math.round(r.usableAh * 10) / 10} Ah usable` : ''}
          {r.rechargeHours !== null ? ` · recharge ${hours(r.rechargeHours)}` : ''})
        </span>
      </p>
      {findings.length > 0 && <FindingList findings={findings} siteId={siteId} />}
    </section>
  );
}

function FindingList({ findings, siteId }: { findings: PowerFinding[]; siteId: number }) {
  return (
    <ul className="findings">
      {findings.map((f, i) => (
        <li key={`${f.rule_id}-${i}`} className={`finding sev-border-${f.severity}`}>
          <SeverityBadge severity={f.severity} />
          <span className="visually-hidden">{SEVERITY_LABEL[f.severity]} finding:</span>
          <p>{f.message}</p>
          <p className="req">
            {f.rule_id} · {f.requirement}
            {f.openingIds.length === 1 && (
              <>
                {' · '}
                <a href={href('/sites/:siteId/openings/:openingId', { siteId, openingId: f.openingIds[0]! })}>Open {f.openingIds[0]}</a>
              </>
            )}
          </p>
        </li>
      ))}
    </ul>
  );
}

function Settings({ siteId, view, onSaved }: { siteId: number; view: PowerView; onSaved: () => void }) {
  const id = useId();
  const s = view.settings;
  const [draft, setDraft] = useState({
    supplyDeratingPct: String(Math.round(s.supplyDerating * 100)),
    batteryDeratingPct: String(Math.round(s.batteryDerating * 100)),
    voltageTolerancePct: String(s.voltageTolerancePct),
    currentTolerancePct: String(s.currentTolerancePct),
  });
  const [error, setError] = useState<unknown>(null);
  const fields = [
    ['supplyDeratingPct', 'Supply derating (%)'],
    ['batteryDeratingPct', 'Battery derating (%)'],
    ['voltageTolerancePct', 'Voltage tolerance (±%)'],
    ['currentTolerancePct', 'Current tolerance (±%)'],
  ] as const;
  return (
    <details className="power-settings">
      <summary>Settings</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const n = Object.fromEntries(Object.entries(draft).map(([k, v]) => [k, Number(v.replace(',', '.'))])) as Record<
            keyof typeof draft,
            number
          >;
          api.setPowerSettings({ siteId, ...n }).then(() => {
            setError(null);
            onSaved();
          }, setError);
        }}
      >
        {fields.map(([k, label]) => (
          <div className="field" key={k}>
            <label htmlFor={`${id}-${k}`}>{label}</label>
            <input id={`${id}-${k}`} inputMode="decimal" value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
          </div>
        ))}
        <button type="submit" className="btn">
          Save settings
        </button>
        {error !== null && (
          <p className="field-error" role="alert">
            {messageOf(error)}
          </p>
        )}
      </form>
    </details>
  );
}
