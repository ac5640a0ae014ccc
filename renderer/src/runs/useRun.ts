// The run's detail (progress by floor, interrupted attempts), kept fresh: it
// reloads whenever an attempt of this run finishes or is found interrupted.
import { useEffect } from 'react';
import type { RunDetail } from '../../../app/contract/runs';
import { api } from '../api';
import { useAsync, type AsyncState } from '../ui/useAsync';

export function useRunDetail(runId: number): AsyncState<RunDetail> {
  const state = useAsync(() => api.getRun({ runId }), [runId]);
  const { reload } = state;
  useEffect(
    () =>
      api.subscribe('runs:attempt', (e) => {
        if (e.runId === runId && e.status !== 'running') reload();
      }),
    [runId, reload],
  );
  return state;
}
