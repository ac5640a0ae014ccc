// On site: the lock voltage and current measured at the door, typed with their units,
// compared with the schedule within the site's tolerance. Every reading is kept as part
// of the opening's record; a difference beyond tolerance is a power finding.
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../api';
import { methodKey } from '../query/keys';
import { useApi } from '../query/useApi';
import { issuesOf, messageOf } from '../ui/errors';
import { formatWhen } from '../ui/format';

export function MeterReading({ siteId, onRecorded, openingId: fixedId }: { siteId: number; onRecorded?: () => void; openingId?: string }) {
  const id = useId();
  const [openingId, setOpeningId] = useState(fixedId ?? '');
  const [voltage, setVoltage] = useState('');
  const [current, setCurrent] = useState('');
  const [technician, setTechnician] = useState('');
  const [error, setError] = useState<unknown>(null);
  // The readings shown: at a given door (the checklist item) its earlier readings at once, they are its
  // record; otherwise those of the door last recorded here.
  const [shownFor, setShownFor] = useState<string | undefined>(fixedId);
  const client = useQueryClient();
  const history = useApi('listPowerMeasurements', { siteId, openingId: shownFor ?? '' }, { enabled: shownFor !== undefined });
  const issues = issuesOf(error);
  const issue = (f: string) => issues.find((i) => i.field === f)?.reason;

  const record = async () => {
    try {
      await api.recordPowerMeasurement({ siteId, openingId, voltage, current, technician, note: '' });
      setError(null);
      setVoltage('');
      setCurrent('');
      await client.invalidateQueries({ queryKey: methodKey('listPowerMeasurements', { siteId, openingId }) });
      setShownFor(openingId);
      onRecorded?.();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="panel meter" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Reading at the door</h2>
      <p className="muted">
        Measure at the lock with the lock powered and type what the meter shows, with its unit (“23.8 V”, “480 mA”, “0,48 A”).
      </p>
      <form
        className="meter-form"
        onSubmit={(e) => {
          e.preventDefault();
          void record();
        }}
      >
        {fixedId === undefined && (
          <div className="field">
            <label htmlFor={`${id}-o`}>Opening</label>
            <input id={`${id}-o`} value={openingId} onChange={(e) => setOpeningId(e.target.value)} autoComplete="off" />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-v`}>Measured voltage</label>
          <input
            id={`${id}-v`}
            value={voltage}
            onChange={(e) => setVoltage(e.target.value)}
            aria-invalid={issue('voltage') ? true : undefined}
          />
          {issue('voltage') && <span className="field-error">{issue('voltage')}</span>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-c`}>Measured current</label>
          <input
            id={`${id}-c`}
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            aria-invalid={issue('current') ? true : undefined}
          />
          {issue('current') && <span className="field-error">{issue('current')}</span>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-t`}>Technician</label>
          <input id={`${id}-t`} value={technician} onChange={(e) => setTechnician(e.target.value)} />
        </div>
        <button type="submit" className="btn primary" disabled={!openingId.trim() || !technician.trim()}>
          Record reading
        </button>
      </form>
      {error !== null && issues.length === 0 && (
        <p className="field-error" role="alert">
          {messageOf(error)}
        </p>
      )}
      {history.data && (
        <ul className="history" aria-label={`Readings at ${shownFor ?? openingId}`}>
          {history.data.map((m) => (
            <li key={m.id}>
              <strong>{m.voltage !== null ? `${m.voltage} V` : '— V'}</strong> ·{' '}
              <strong>{m.currentMa !== null ? `${m.currentMa} mA` : '— mA'}</strong>{' '}
              <span className="muted">
                (schedule {m.expectedVoltage ?? '—'} V, {m.expectedCurrentMa ?? '—'} mA) · {formatWhen(m.at)} · {m.technician}
              </span>
              {m.problems.length > 0 && <div className="reading-bad">▲ {m.problems.join('; ')}</div>}
              {m.notCompared.length > 0 && <div className="reading-unknown">? Not compared: {m.notCompared.join('; ')}</div>}
              {m.within.length > 0 && <div className="reading-ok">✓ {m.within.join(', ')}</div>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
