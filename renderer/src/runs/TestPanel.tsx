// A procedure running over the controller link: the door's live inputs as large
// indicators (words and shapes, not colour alone), the step list, a countdown for
// watch windows, the prompts the technician answers, and — on the simulated
// controller — the buttons that stand in for the technician's hands.
import { useEffect, useRef, useState } from 'react';
import type { AttemptDetail, ChecklistProcedure, Prompt, PromptAnswer } from '../../../app/contract/runs';
import { api } from '../api';
import { useApi } from '../query/useApi';
import { ErrorBanner } from '../ui/errors';
import { formatTime } from '../ui/format';
import type { LiveAttempt, LiveDispatch, LiveStep, Reading } from './live';
import { ms, VerdictPill } from './words';

interface Indicator {
  label: string;
  value: string;
  /** Where the value comes from when it is not a fresh reading. */
  note?: string;
  icon: string;
  tone: 'ok' | 'alert' | 'warn' | 'unknown';
}

export interface Commanded {
  lockPower: boolean | null;
  alarm: boolean | null;
}

/**
 * What DoorCx last commanded the outputs to (from the finished output and restore
 * steps): readings carry the outputs only when they were read since the last command.
 */
export function commandedOutputs(procedure: ChecklistProcedure, steps: Record<string, LiveStep>): Commanded {
  const out: Commanded = { lockPower: null, alarm: null };
  const alarm = procedure.id === 'alarm-release';
  for (const s of procedure.steps) {
    const st = steps[s.id];
    if (st?.phase !== 'finished' || st.verdict !== 'pass') continue;
    if (s.kind === 'output') {
      if (alarm) out.alarm = true;
      else out.lockPower = false;
    }
    if (s.kind === 'restore') {
      if (alarm) out.alarm = false;
      else out.lockPower = true;
    }
  }
  return out;
}

const NONE: Commanded = { lockPower: null, alarm: null };

export function indicatorsOf(r: Reading | null, commanded: Commanded = NONE, last: Commanded = NONE): Indicator[] {
  const lock: Indicator = !r
    ? { label: 'Lock status', value: '—', icon: '?', tone: 'unknown' }
    : r.lockStatus === 'secured'
      ? { label: 'Lock status', value: 'SECURED', icon: '■', tone: 'ok' }
      : r.lockStatus === 'released'
        ? { label: 'Lock status', value: 'RELEASED', icon: '□', tone: 'alert' }
        : { label: 'Lock status', value: 'SENSOR FAULT', icon: '!', tone: 'warn' };
  const door: Indicator = !r
    ? { label: 'Door position', value: '—', icon: '?', tone: 'unknown' }
    : r.doorPosition === 'closed'
      ? { label: 'Door position', value: 'CLOSED', icon: '■', tone: 'ok' }
      : r.doorPosition === 'open'
        ? { label: 'Door position', value: 'OPEN', icon: '□', tone: 'alert' }
        : { label: 'Door position', value: 'SENSOR FAULT', icon: '!', tone: 'warn' };
  const rex: Indicator = !r
    ? { label: 'REX', value: '—', icon: '?', tone: 'unknown' }
    : r.rex === 'active'
      ? { label: 'REX', value: 'ACTIVE', icon: '●', tone: 'alert' }
      : r.rex === 'inactive'
        ? { label: 'REX', value: 'IDLE', icon: '○', tone: 'ok' }
        : { label: 'REX', value: 'SENSOR FAULT', icon: '!', tone: 'warn' };
  // A fresh read-back first; else what DoorCx commanded since; else the last read-back (each said so).
  const pick = (fresh: boolean | null | undefined, cmd: boolean | null, last: boolean | null) =>
    fresh != null
      ? { on: fresh, note: undefined }
      : cmd !== null
        ? { on: cmd, note: 'as commanded (PD-timed)' }
        : last !== null
          ? { on: last, note: 'last read before the test' }
          : { on: null, note: undefined };
  const p = pick(r?.lockPower, commanded.lockPower, last.lockPower);
  const power: Indicator =
    p.on === true
      ? { label: 'Lock power', value: 'ON', note: p.note, icon: '●', tone: 'ok' }
      : p.on === false
        ? { label: 'Lock power', value: 'OFF', note: p.note ?? 'dropped', icon: '○', tone: 'alert' }
        : { label: 'Lock power', value: 'not read yet', icon: '?', tone: 'unknown' };
  const a = pick(r?.alarm, commanded.alarm, last.alarm);
  const alarm: Indicator =
    a.on === true
      ? { label: 'Fire alarm input', value: 'ACTIVE', note: a.note, icon: '▲', tone: 'alert' }
      : a.on === false
        ? { label: 'Fire alarm input', value: 'OFF', note: a.note, icon: '○', tone: 'ok' }
        : { label: 'Fire alarm input', value: 'not read yet', icon: '?', tone: 'unknown' };
  return [lock, door, rex, power, alarm];
}

export function DoorIndicators({ reading, outputs, last }: { reading: Reading | null; outputs?: Commanded; last?: Commanded }) {
  return (
    <dl className="indicators" aria-label="Door inputs">
      {indicatorsOf(reading, outputs, last).map((i) => (
        <div key={i.label} className={`ind ind-${i.tone}`} data-indicator={i.label}>
          <dt>{i.label}</dt>
          <dd>
            <span className="ind-icon" aria-hidden="true">
              {i.icon}
            </span>
            <span className="ind-value">{i.value}</span>
          </dd>
          {i.note && <dd className="ind-note">{i.note}</dd>}
        </div>
      ))}
    </dl>
  );
}

function Countdown({ title, deadlineAt }: { title: string; deadlineAt: number }) {
  const [now, setNow] = useState(() => Date.now());
  const [start] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, deadlineAt - now);
  const span = Math.max(1, deadlineAt - start);
  return (
    <div className="countdown" role="timer" aria-label={`${title}: ${(left / 1000).toFixed(0)} seconds left`}>
      <div className="cd-text">
        <span>{title}</span>
        <strong className="cd-num">{(left / 1000).toFixed(1)} s</strong>
      </div>
      <div className="cd-bar" aria-hidden="true">
        <span style={{ width: `${(100 * left) / span}%` }} />
      </div>
    </div>
  );
}

const PROMPT_ORDER: Record<Prompt['kind'], number> = { warning: 0, action: 1, attempt: 2, confirm: 3 };
const ANSWER_WORD: Record<PromptAnswer, string> = { yes: 'Yes', no: 'No', 'not-checked': 'Not checked', done: 'Done' };
const PROMPT_HEAD: Record<Prompt['kind'], string> = {
  confirm: 'Confirm what you see',
  action: 'Do this now',
  attempt: 'Try to release the lock now',
  warning: 'Warning',
};

const LIVE_WORD = {
  lockStatus: { secured: 'SECURED', released: 'RELEASED', fault: 'SENSOR FAULT' },
  doorPosition: { open: 'OPEN', closed: 'CLOSED', fault: 'SENSOR FAULT' },
} as const;

/** The reading beside a question about the door: what the sensors say while the technician answers. */
function LiveBeside({ reading }: { reading: Reading | null }) {
  return (
    <p className="prompt-live" data-live-reading>
      {reading ? (
        <>
          The sensors read now: door <strong>{LIVE_WORD.doorPosition[reading.doorPosition]}</strong>, lock{' '}
          <strong>{LIVE_WORD.lockStatus[reading.lockStatus]}</strong>
        </>
      ) : (
        'No sensor reading yet.'
      )}
    </p>
  );
}

/**
 * One prompt. `due`: the prompt to answer first — it takes keyboard focus (Enter answers its first choice).
 * `after`: an earlier action this one must wait for; until it is done this prompt's answers are disabled.
 */
function PromptCard({
  prompt,
  attemptId,
  dispatch,
  due,
  after,
  reading,
}: {
  prompt: Prompt;
  attemptId: number;
  dispatch: LiveDispatch;
  due: boolean;
  after: Prompt | null;
  reading: Reading | null;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLButtonElement>(null);
  const card = useRef<HTMLDivElement>(null);
  // The prompt due now takes keyboard focus and comes into view.
  useEffect(() => {
    if (!due) return;
    first.current?.focus({ preventScroll: true });
    card.current?.scrollIntoView({ block: 'nearest' });
  }, [prompt.id, due]);
  const answer = async (a: PromptAnswer) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.answerPrompt({ attemptId, promptId: prompt.id, answer: a });
      if (r.accepted) dispatch({ type: 'answered', attemptId, promptId: prompt.id });
      else setError(new Error('The test no longer waits for this answer.'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div
      ref={card}
      className={`prompt prompt-${prompt.kind}`}
      role={prompt.kind === 'warning' ? 'alert' : 'group'}
      aria-labelledby={`p-${prompt.id}`}
    >
      <p className="prompt-kind">{PROMPT_HEAD[prompt.kind]}</p>
      <p className="prompt-text" id={`p-${prompt.id}`}>
        {prompt.text}
      </p>
      {prompt.kind === 'confirm' && <LiveBeside reading={reading} />}
      {after && (
        <p className="prompt-after" id={`pa-${prompt.id}`}>
          First: {PROMPT_HEAD[after.kind].toLowerCase()} (above), then answer this.
        </p>
      )}
      {prompt.answers.length > 0 && (
        <div className="prompt-answers">
          {prompt.answers.map((a, i) => (
            <button
              key={a}
              ref={i === 0 ? first : undefined}
              type="button"
              className={`btn answer answer-${a}`}
              disabled={busy || after !== null}
              aria-describedby={after ? `pa-${prompt.id}` : undefined}
              onClick={() => void answer(a)}
            >
              {ANSWER_WORD[a]}
            </button>
          ))}
        </div>
      )}
      <ErrorBanner error={error} title="The answer was not taken" />
    </div>
  );
}

const SIM_ACTIONS = [
  { action: 'rex', label: 'Press REX' },
  { action: 'push', label: 'Push door (secure side)' },
  { action: 'push-egress', label: 'Push bar (egress side)' },
  { action: 'credential', label: 'Present credential' },
  { action: 'fire-alarm', label: 'Trip fire alarm' },
  { action: 'fire-alarm-reset', label: 'Reset fire alarm' },
] as const;

/** On the simulated controller these stand in for the technician's hands at the door. */
export function SimHands({ openingId }: { openingId: string }) {
  const [error, setError] = useState<unknown>(null);
  const [last, setLast] = useState<string | null>(null);
  const act = async (action: (typeof SIM_ACTIONS)[number]['action'], label: string) => {
    setError(null);
    try {
      await api.controllerSimControl({ action, openingId });
      setLast(`${label}: done at ${formatTime(Date.now())}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="sim-hands" aria-labelledby="sim-title">
      <h3 id="sim-title">Simulator: the technician&apos;s hands at {openingId}</h3>
      <div className="sim-buttons">
        {SIM_ACTIONS.map((a) => (
          <button key={a.action} type="button" className="btn" onClick={() => void act(a.action, a.label)}>
            {a.label}
          </button>
        ))}
      </div>
      <p className="muted sim-last" aria-live="polite">
        {last ?? 'Act at the simulated door with these, then answer the prompt.'}
      </p>
      <ErrorBanner error={error} title="The simulator did not take it" />
    </section>
  );
}

export function TestPanel({
  attemptId,
  procedure,
  live,
  dispatch,
  hands,
  openingId,
  onFinished,
}: {
  attemptId: number;
  procedure: ChecklistProcedure;
  live: LiveAttempt | undefined;
  dispatch: LiveDispatch;
  /** Show the simulator's controls (the run goes over the simulated controller connection). */
  hands: boolean;
  openingId: string;
  onFinished: (a: AttemptDetail) => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [stopping, setStopping] = useState(false);
  const done = useRef(false);
  const finishedRef = useRef(onFinished);
  finishedRef.current = onFinished;

  // Poll as a safety net for missed events (faster once an event said it ended); finish when the backend says so.
  const status = live?.status ?? 'running';
  const polled = useApi('getAttempt', { attemptId }, { refetchInterval: status === 'running' ? 500 : 150 });
  useEffect(() => {
    const a = polled.data;
    if (!a) return;
    dispatch({ type: 'snapshot', a });
    if (a.status !== 'running' && !done.current) {
      done.current = true;
      finishedRef.current(a);
    }
  }, [polled.data, dispatch]);
  useEffect(() => {
    if (polled.error) setError(polled.error);
  }, [polled.error]);

  const stop = async () => {
    setStopping(true);
    try {
      await api.abortProcedure({ attemptId });
    } catch (err) {
      setError(err);
    }
  };

  const current = live?.current;
  // Actions and release attempts come before questions about what the door did (the order the procedure needs).
  const prompts = [...(live?.prompts ?? [])].sort((a, b) => PROMPT_ORDER[a.kind] - PROMPT_ORDER[b.kind]);
  const due = prompts.find((p) => p.answers.length > 0) ?? null;
  const commanded = commandedOutputs(procedure, live?.steps ?? {});
  const panel = useRef<HTMLElement>(null);
  // Bring the live test into view when it starts.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: 'start' });
  }, [attemptId]);
  return (
    <section ref={panel} className="test-panel" aria-labelledby="test-title" data-attempt-id={attemptId}>
      <div className="tp-head">
        <h2 id="test-title">Running: {procedure.title}</h2>
        <button type="button" className="btn" onClick={() => void stop()} disabled={stopping}>
          {stopping ? 'Stopping…' : 'Stop test'}
        </button>
      </div>
      {live?.warning && (
        <div className="banner warn" role="alert">
          {live.warning}
        </div>
      )}
      <div className="tp-grid">
        <div className="tp-live">
          {current?.deadlineAt && current.kind === 'watch' ? (
            <Countdown key={`${current.stepId}-${current.deadlineAt}`} title={current.title} deadlineAt={current.deadlineAt} />
          ) : (
            <div className="countdown idle">
              <div className="cd-text">
                <span>{current ? current.title : 'Starting…'}</span>
              </div>
            </div>
          )}
          <DoorIndicators reading={live?.reading ?? null} outputs={commanded} last={live?.lastOutputs} />
        </div>
        <div className="tp-work">
          <div className="prompts" aria-live="assertive">
            {prompts.map((p) => (
              <PromptCard
                key={p.id}
                prompt={p}
                attemptId={attemptId}
                dispatch={dispatch}
                due={p.id === due?.id}
                after={due && due.id !== p.id && due.kind !== 'confirm' ? due : null}
                reading={live?.reading ?? null}
              />
            ))}
          </div>
          {hands && <SimHands openingId={openingId} />}
          <ol className="step-list" aria-label="Steps">
            {procedure.steps.map((s) => {
              const st = live?.steps[s.id];
              return (
                <li key={s.id} className={st?.phase === 'started' ? 'now' : ''}>
                  <VerdictPill verdict={st?.phase === 'finished' ? st.verdict : null} running={st?.phase === 'started'} />
                  <span className="step-title">{s.title}</span>
                  {st?.phase === 'finished' && st.measuredMs !== null && (
                    <span className="muted">
                      {' '}
                      · {ms(st.measuredMs)} (±{ms(st.resolutionMs)})
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        </div>
      </div>
      <ErrorBanner error={error} title="Lost touch with the test" />
    </section>
  );
}
