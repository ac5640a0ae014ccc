// "Save diagnostics": one archive (logs, versions, settings, database check) written into the
// data folder, whose path the technician reads out or attaches for support.
import { useState } from 'react';
import { api } from '../api';

export function SaveDiagnosticsButton() {
  const [state, setState] = useState<{ busy: boolean; text: string; error: boolean }>({ busy: false, text: '', error: false });
  const save = async () => {
    setState({ busy: true, text: 'Saving diagnostics…', error: false });
    try {
      const saved = await api.saveDiagnostics({});
      const db = saved.integrity === 'ok' ? 'database intact' : `database check: ${saved.integrity}`;
      setState({ busy: false, text: `Diagnostics saved to ${saved.file} (${db})`, error: false });
    } catch (err) {
      setState({ busy: false, text: `Could not save diagnostics: ${(err as Error).message}`, error: true });
    }
  };
  return (
    <>
      <button type="button" className="btn" onClick={() => void save()} disabled={state.busy}>
        Save diagnostics
      </button>
      {state.text && (
        <span className={state.error ? 'diagnostics-note error' : 'diagnostics-note'} role={state.error ? 'alert' : 'status'}>
          {state.text}
        </span>
      )}
    </>
  );
}
