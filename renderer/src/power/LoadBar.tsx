// A load (or battery time) against its limit, as a bar with its figures in words: never
// colour alone. Over the limit the bar fills, turns to the danger colour and says so.
export function LoadBar({
  label,
  value,
  limit,
  text,
  over,
  overText,
}: {
  label: string;
  /** Share of the limit (1 = at the limit). */
  value: number;
  limit: string;
  text: string;
  /** True when this reading is a problem (over capacity, or battery short). */
  over: boolean;
  overText: string;
}) {
  const width = Math.max(0, Math.min(1, value)) * 100;
  return (
    <div className={`load${over ? ' over' : ''}`}>
      <div className="load-label">
        <span>{label}</span>
        <span>
          <strong>{text}</strong> <span className="muted">of {limit}</span>
          {over && (
            <span className="load-flag">
              <span aria-hidden="true">▲ </span>
              {overText}
            </span>
          )}
        </span>
      </div>
      <div
        className="load-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(value * 100)}
        aria-valuetext={`${text} of ${limit}${over ? `, ${overText}` : ''}`}
      >
        <div className="load-fill" style={{ width: `${width}%` }} />
      </div>
    </div>
  );
}
