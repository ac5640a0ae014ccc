// One hand signature: a signature_pad canvas (touch, pen or mouse), the signer's
// printed name (and title for the witness). Saving stores the strokes as vectors
// (points in a 0..1 box); a new signature is a new row, never an overwrite.
import { useEffect, useRef, useState } from 'react';
import SignaturePad from 'signature_pad';
import type { HandwrittenSignature } from '../../../app/contract/reports';
import { api } from '../api';
import { ErrorBanner } from '../ui/errors';
import { formatWhen } from '../ui/format';

const clamp = (v: number) => Math.min(1, Math.max(0, v));

export function SignaturePadField({
  siteId,
  role,
  current,
  onSaved,
}: {
  siteId: number;
  role: 'technician' | 'witness';
  current: HandwrittenSignature | undefined;
  onSaved: () => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [name, setName] = useState(current?.name ?? '');
  const [title, setTitle] = useState(current?.title ?? '');
  const [empty, setEmpty] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const label = role === 'technician' ? 'Technician' : 'Witness (owner’s representative / AHJ)';

  useEffect(() => {
    const c = canvas.current!;
    // One canvas pixel per CSS pixel: the stored points are fractions of the box either way.
    const rect = c.getBoundingClientRect();
    c.width = Math.max(1, Math.round(rect.width));
    c.height = Math.max(1, Math.round(rect.height));
    const p = new SignaturePad(c, { minWidth: 0.8, maxWidth: 2.2, penColor: '#10205a' });
    p.addEventListener('endStroke', () => setEmpty(p.isEmpty()));
    pad.current = p;
    return () => p.off();
  }, []);

  const clear = () => {
    pad.current?.clear();
    setEmpty(true);
  };

  const save = async () => {
    const c = canvas.current!;
    const w = c.width;
    const h = c.height;
    const strokes = (pad.current?.toData() ?? []).map((g) => g.points.map((pt) => [clamp(pt.x / w), clamp(pt.y / h)] as [number, number]));
    setBusy(true);
    setError(null);
    try {
      await api.addHandwrittenSignature({ siteId, role, name, title, strokes });
      clear();
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <fieldset className="group signature-field" data-role={role}>
      <legend>{label}</legend>
      {current ? (
        <p className="signed" data-testid={`signed-${role}`}>
          Signed by {current.name}
          {current.title ? `, ${current.title}` : ''} · {formatWhen(current.signedAt)}
        </p>
      ) : (
        <p className="muted">Not signed yet: the report is a DRAFT until both sign.</p>
      )}
      <canvas ref={canvas} className="signature-pad" aria-label={`${label} signature pad`} />
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`sig-${role}-name`}>Printed name</label>
          <input id={`sig-${role}-name`} type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        {role === 'witness' && (
          <div className="field">
            <label htmlFor={`sig-${role}-title`}>Role / title</label>
            <input id={`sig-${role}-title`} type="text" value={title} onChange={(e) => setTitle(e.target.value)} />
          </div>
        )}
      </div>
      <ErrorBanner error={error} title="The signature was not saved" />
      <div className="button-row">
        <button type="button" className="btn" onClick={clear}>
          Clear
        </button>
        <button type="button" className="btn primary" disabled={busy || empty || !name.trim()} onClick={() => void save()}>
          {busy ? 'Saving…' : `Save ${role} signature`}
        </button>
      </div>
    </fieldset>
  );
}
