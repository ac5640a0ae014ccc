// Add or edit one power supply. Values are typed as on the label ("1,5 A", "500 mA",
// "7 Ah", "30 min"); the backend validates each field and names the bad ones.
import { useId, useState, type FormEvent } from 'react';
import type { PowerSupply } from '../../../app/contract/power';
import { api } from '../api';
import { issuesOf, messageOf } from '../ui/errors';

const FIELDS: { field: Exclude<keyof PowerSupply, 'extras' | 'fire_alarm_release'>; label: string; hint?: string }[] = [
  { field: 'supply_id', label: 'Supply id', hint: 'As the schedule names it, e.g. PS-1' },
  { field: 'location', label: 'Location' },
  { field: 'output_voltage', label: 'Output voltage (V)' },
  { field: 'rated_current_a', label: 'Rated output (A)', hint: 'e.g. 2.5, "1,5 A" or "500 mA"' },
  { field: 'battery_ah', label: 'Battery capacity (Ah)', hint: 'One battery; blank = none fitted' },
  { field: 'battery_count', label: 'Batteries fitted' },
  { field: 'battery_voltage', label: 'Battery voltage (V)' },
  { field: 'charger_current_a', label: 'Charger current (A)' },
  { field: 'standby_hours', label: 'Standby required (h)', hint: 'From the code basis or AHJ; "30 min" works' },
  { field: 'notes', label: 'Notes' },
];

type Draft = Record<string, string | boolean>;

function draftOf(s: PowerSupply | null): Draft {
  const d: Draft = { fire_alarm_release: s?.fire_alarm_release ?? false };
  for (const f of FIELDS) {
    const v = s ? s[f.field] : null;
    d[f.field] = v === null || v === undefined ? '' : String(v);
  }
  if (!s) {
    d.output_voltage = '24';
    d.battery_voltage = '12';
    d.battery_count = '0';
    d.standby_hours = '0';
  }
  return d;
}

export function SupplyForm({
  siteId,
  supply,
  onSaved,
  onCancel,
}: {
  siteId: number;
  supply: PowerSupply | null;
  onSaved: (s: PowerSupply) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(supply));
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const issues = issuesOf(error);
  const issueFor = (f: string) => issues.find((i) => i.field === f);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    try {
      const saved = await api.saveSupply({ siteId, originalId: supply?.supply_id ?? null, supply: draft });
      setError(null);
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="supply-form" aria-label={supply ? `Edit supply ${supply.supply_id}` : 'New supply'} onSubmit={(e) => void submit(e)}>
      {error !== null && issues.length === 0 && (
        <p className="field-error" role="alert">
          {messageOf(error)}
        </p>
      )}
      <div className="form-grid">
        {FIELDS.map((f) => {
          const issue = issueFor(f.field);
          return (
            <div className="field" key={f.field}>
              <label htmlFor={`${id}-${f.field}`}>{f.label}</label>
              <input
                id={`${id}-${f.field}`}
                type="text"
                value={String(draft[f.field] ?? '')}
                aria-invalid={issue ? true : undefined}
                aria-describedby={issue ? `${id}-${f.field}-err` : undefined}
                onChange={(e) => setDraft({ ...draft, [f.field]: e.target.value })}
              />
              {f.hint && <span className="hint">{f.hint}</span>}
              {issue && (
                <span className="field-error" id={`${id}-${f.field}-err`}>
                  {issue.reason}
                </span>
              )}
            </div>
          );
        })}
        <label className="checkbox" htmlFor={`${id}-fa`}>
          <input
            id={`${id}-fa`}
            type="checkbox"
            checked={draft.fire_alarm_release === true}
            onChange={(e) => setDraft({ ...draft, fire_alarm_release: e.target.checked })}
          />
          Released by the fire alarm
        </label>
      </div>
      <div className="supply-form-actions">
        <button type="submit" className="btn primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save supply'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
