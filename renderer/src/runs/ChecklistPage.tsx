// One opening in a run: the EXPECTED MODE and why (first and large), then its
// procedures — automatic tests run over the controller link, person-checked items
// answered here — with their status, the live test, the result card, and the
// opening's deficiencies. Progress stays on top; the next opening is one tap away.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AttemptDetail, ChecklistProcedure, OpeningChecklist } from '../../../app/contract/runs';
import { api } from '../api';
import { href } from '../shell/router';
import { useSites } from '../shell/sites';
import { ErrorBanner } from '../ui/errors';
import { humanize } from '../ui/format';
import { SeverityBadge } from '../ui/severity';
import { useApi } from '../query/useApi';
import { ChecklistItemForm } from './ChecklistItemForm';
import { MeterReading } from '../power/MeterReading';
import { defaultLink, linkProblem, linkWords, loadRunLink, resolveLink, saveRunLink, type RunLink } from './link';
import { useLiveRun } from './live';
import { OpeningFinder } from './OpeningFinder';
import { ProgressStrip } from './ProgressStrip';
import { RemoteResults } from './remote';
import { ResultCard } from './ResultCard';
import { LinkPicker } from './RunsPage';
import { TestPanel } from './TestPanel';
import { DEFICIENCY_STATUS_WORD, StatusPill, VerdictPill } from './words';
import './runs.css';

function ModeHero({ c }: { c: OpeningChecklist }) {
  const o = c.opening;
  return (
    <section className={`mode-hero mode-${c.expectedMode}`} aria-labelledby="mode-title">
      <p className="mh-label">Expected mode</p>
      <h2 id="mode-title" className="mh-mode">
        {humanize(c.expectedMode)}
      </h2>
      <p className="mh-reason">{c.modeReason}</p>
      <p className="mh-facts">
        {humanize(o.category)} · {humanize(o.lock_type)} · {humanize(o.locking_arrangement)} · egress {o.egress} · fire-alarm release{' '}
        {o.fire_alarm_release ? 'yes' : 'no'}
        {o.fire_rating_min > 0 ? ` · ${o.fire_rating_min}-min rated` : ''}
        {o.pd_address !== null ? ` · PD ${o.pd_address}` : ' · no PD bound'}
      </p>
    </section>
  );
}

export function ChecklistPage({ siteId, runId, openingId }: { siteId: number; runId: number; openingId: string }) {
  const detail = useApi('getRun', { runId });
  const checklist = useApi('getOpeningChecklist', { runId, openingId });
  const remote = useApi('syncRemoteLatest', { siteId, openingId });
  const { live, dispatch } = useLiveRun(runId);
  const { sites } = useSites();
  const siteName = sites?.find((s) => s.id === siteId)?.name;
  const [link, setLinkState] = useState<RunLink | null>(() => loadRunLink(runId));
  const effectiveLink = link ?? defaultLink(siteName);
  const [active, setActive] = useState<{ attemptId: number; procedureId: string; hands: boolean } | null>(null);
  const [result, setResult] = useState<AttemptDetail | null>(null);
  const [checking, setChecking] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);

  const setLink = (l: RunLink) => {
    saveRunLink(runId, l);
    setLinkState(l);
  };

  const c = checklist.data;
  const { refetch: refetchChecklist } = checklist;
  const { refetch: refetchRun } = detail;
  const reload = useCallback(() => void refetchChecklist(), [refetchChecklist]);
  const reloadRun = useCallback(() => void refetchRun(), [refetchRun]);

  const start = async (p: ChecklistProcedure, mode: 'run' | 'retest') => {
    setError(null);
    const unusable = linkProblem(effectiveLink);
    if (unusable) {
      setError(new Error(unusable));
      return;
    }
    setResult(null);
    setStarting(true);
    try {
      const { input, hands } = await resolveLink(effectiveLink, siteId, {
        status: () => api.controllerStatus({}),
        connectSimulated: (id) => api.controllerConnect({ kind: 'simulated', siteId: id }),
      });
      const linkInput = input ? { link: input } : {};
      const a =
        mode === 'retest' && p.latest
          ? await api.retest({ attemptId: p.latest.id, ...linkInput })
          : await api.runProcedure({ runId, openingId, procedureId: p.id, ...linkInput });
      setActive({ attemptId: a.id, procedureId: p.id, hands });
    } catch (err) {
      setError(err);
    } finally {
      setStarting(false);
    }
  };

  /** Back to a test still running (e.g. after leaving the page): the hands work if it runs on the simulated connection. */
  const showLive = async (attemptId: number, procedureId: string) => {
    const st = await api.controllerStatus({}).catch(() => null);
    const hands = st?.connected === true && st.kind === 'simulated' && st.siteId === siteId;
    setActive({ attemptId, procedureId, hands });
  };

  // A reload (or coming back to the page) mid-test rejoins the test that is running here, once per attempt.
  const rejoined = useRef<number | null>(null);
  const runningHere = c?.procedures.find((p) => p.latest?.status === 'running');
  useEffect(() => {
    if (!runningHere?.latest || active || rejoined.current === runningHere.latest.id) return;
    rejoined.current = runningHere.latest.id;
    void showLive(runningHere.latest.id, runningHere.id);
  }, [runningHere?.latest?.id, active]);

  const onFinished = useCallback(
    (a: AttemptDetail) => {
      setResult(a);
      setActive(null);
      reload();
      reloadRun();
    },
    [reload, reloadRun],
  );

  const activeProc = active ? c?.procedures.find((p) => p.id === active.procedureId) : undefined;
  const resultProc = result ? c?.procedures.find((p) => p.id === result.procedureId) : undefined;

  return (
    <div className="page checklist-page">
      {detail.data && <ProgressStrip detail={detail.data} siteId={siteId} />}
      <div className="page-head">
        <div style={{ marginRight: 'auto' }}>
          <h1>
            Opening {openingId}
            {c && (
              <>
                {' '}
                <StatusPill status={c.status} />
              </>
            )}
          </h1>
          <p className="page-sub">{c ? `${c.opening.location} · Floor ${c.opening.floor} · ${c.opening.building}` : ''}</p>
        </div>
        <a className="btn" href={href('/sites/:siteId/runs/:runId', { siteId, runId })}>
          Run overview
        </a>
      </div>
      <ErrorBanner error={checklist.error} title="The checklist could not be loaded" />
      {c && <ModeHero c={c} />}
      {c && c.findings.length > 0 && (
        <details className="section">
          <summary>Schedule findings ({c.findings.length})</summary>
          <ul className="findings section-body">
            {c.findings.map((f, i) => (
              <li key={i} className={`finding sev-border-${f.severity}`}>
                <SeverityBadge severity={f.severity} /> <p>{f.message}</p>
              </li>
            ))}
          </ul>
        </details>
      )}

      {active && activeProc && (
        <TestPanel
          attemptId={active.attemptId}
          procedure={activeProc}
          live={live[active.attemptId]}
          dispatch={dispatch}
          hands={active.hands}
          openingId={openingId}
          onFinished={onFinished}
        />
      )}
      {result && c && !active && (
        <ResultCard
          attempt={result}
          opening={c.opening}
          deficiencies={c.deficiencies}
          retesting={starting}
          technician={detail.data?.run.technician}
          onDeficienciesChanged={() => {
            reload();
            reloadRun();
          }}
          onRetest={resultProc?.runnable ? () => void start({ ...resultProc, latest: result }, 'retest') : undefined}
        />
      )}
      <ErrorBanner error={error} title="The test could not start" />

      {c && (
        <section className="panel" aria-labelledby="procs-title">
          <div className="page-head">
            <h2 id="procs-title">Checklist</h2>
            <details className="link-details">
              <summary>
                Link: {linkWords(effectiveLink)} <span className="link-change">(change)</span>
              </summary>
              <LinkPicker value={effectiveLink} onChange={setLink} idPrefix="cl" />
            </details>
          </div>
          <ul className="procs">
            {c.procedures.map((p) => {
              const latest = p.latest;
              const running = latest?.status === 'running' || active?.procedureId === p.id;
              return (
                <li key={p.id} className="proc" data-procedure-id={p.id}>
                  <div className="proc-main">
                    <div className="proc-title">
                      <VerdictPill verdict={latest?.verdict ?? null} running={running} />
                      <h3>{p.title}</h3>
                      <span className={`kind kind-${p.kind}`}>{p.kind === 'automatic' ? 'Automatic test' : 'Person-checked'}</span>
                    </div>
                    <p className="proc-why">
                      {p.reason} <span className="muted">({p.citation})</span>
                    </p>
                    {latest?.reason && <p className="proc-latest">Last result: {latest.reason}</p>}
                    {!p.runnable && p.blockedReason && <p className="proc-blocked">Cannot run: {p.blockedReason}</p>}
                    <details>
                      <summary>Pass criteria and steps</summary>
                      <ul>
                        {p.criteria.map((cr, i) => (
                          <li key={i}>{cr}</li>
                        ))}
                      </ul>
                    </details>
                  </div>
                  <div className="proc-actions">
                    {p.kind === 'automatic' ? (
                      latest?.status === 'running' && !active ? (
                        <button type="button" className="btn primary" onClick={() => void showLive(latest.id, p.id)}>
                          Show live test
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="btn primary big-btn"
                          disabled={!p.runnable || active !== null || starting}
                          aria-label={`${latest && latest.status !== 'interrupted' ? 'Retest' : latest ? 'Resume' : 'Run'} ${p.title}`}
                          onClick={() => void start(p, latest && latest.status !== 'interrupted' ? 'retest' : 'run')}
                        >
                          {latest?.status === 'interrupted' ? 'Resume test' : latest ? 'Retest' : 'Run test'}
                        </button>
                      )
                    ) : (
                      <button
                        type="button"
                        className="btn big-btn"
                        aria-expanded={checking === p.id}
                        onClick={() => setChecking(checking === p.id ? null : p.id)}
                      >
                        {latest ? 'Check again' : 'Check'}
                      </button>
                    )}
                  </div>
                  {checking === p.id && p.id === 'check-lock-power' && <MeterReading siteId={siteId} openingId={openingId} />}
                  {checking === p.id && (
                    <ChecklistItemForm
                      runId={runId}
                      openingId={openingId}
                      procedure={p}
                      onRecorded={(a) => {
                        setChecking(null);
                        setResult(a);
                        reload();
                        reloadRun();
                      }}
                    />
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}

      {c && remote.data && <RemoteResults results={remote.data} titleOf={(id) => c.procedures.find((p) => p.id === id)?.title ?? id} />}

      {c && c.deficiencies.length > 0 && (
        <section className="panel" aria-labelledby="odef-title">
          <h2 id="odef-title">Deficiencies at this opening</h2>
          <ul className="findings">
            {c.deficiencies.map((d) => (
              <li key={d.id} className={`finding sev-border-${d.severity}`}>
                <SeverityBadge severity={d.severity} /> <strong>{DEFICIENCY_STATUS_WORD[d.status]}</strong>
                <p>
                  {d.description}
                  {d.occurrences.length > 0 && <span className="muted"> · failed {d.occurrences.length + 1} times</span>}
                </p>
              </li>
            ))}
          </ul>
          <p>
            <a href={href('/sites/:siteId/runs/:runId/deficiencies', { siteId, runId }, { opening: openingId })}>
              Photos, status and notes →
            </a>
          </p>
        </section>
      )}

      {detail.data && c && (
        <OpeningFinder
          siteId={siteId}
          runId={runId}
          floors={detail.data.byFloor.map((f) => f.floor)}
          currentOpeningId={openingId}
          currentFloor={c.opening.floor}
        />
      )}
    </div>
  );
}
