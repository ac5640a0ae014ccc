// The schedule's "power supply" filter: the site's supplies, plus openings on no supply.
// Value '' = all; NO_SUPPLY = openings whose power_supply is empty.
import { useApi } from '../query/useApi';

export const NO_SUPPLY = '-';

/** The filter value as the queryOpenings input (null = on no supply). */
export function powerSupplyQuery(value: string): string | null | undefined {
  if (value === '') return undefined;
  return value === NO_SUPPLY ? null : value;
}

export function PowerSupplyFilter({ siteId, value, onChange }: { siteId: number; value: string; onChange: (v: string) => void }) {
  const supplies = useApi('listSupplies', { siteId });
  const ids = supplies.data?.map((s) => s.supply_id) ?? [];
  // A value from the URL that is not (or not yet) in the list stays selectable.
  if (value !== '' && value !== NO_SUPPLY && !ids.some((i) => i.toLowerCase() === value.toLowerCase())) ids.push(value);
  return (
    <div className="field">
      <label htmlFor="filter-powerSupply">Power supply</label>
      <select id="filter-powerSupply" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {ids.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
        <option value={NO_SUPPLY}>On no supply</option>
      </select>
    </div>
  );
}
