// The desktop app's engine (the backend's own process) stopped: say so, and that results are
// safe, until it runs again. The web host never sends engineStatus (its backend is in-process).
import { useEffect, useState } from 'react';
import type { EngineStatus } from '../../../app/contract/diagnostics';
import { api } from '../api';

export function EngineBanner() {
  const [status, setStatus] = useState<EngineStatus>({ state: 'running' });
  useEffect(() => api.subscribe('engineStatus', setStatus), []);
  if (status.state === 'running') return null;
  return (
    <div className="banner error engine-banner" role="alert">
      {status.message}
    </div>
  );
}
