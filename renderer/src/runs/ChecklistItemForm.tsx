// A person-checked procedure (mounting heights, signage, labels, NFPA 80 items):
// every question answered Yes / No / Not checked, with a note, recorded at once.
// Checking again records a new attempt that supersedes the last one.
import { useState, type FormEvent } from 'react';
import type { AttemptDetail, ChecklistProcedure } from '../../../app/contract/runs';
import { api } from '../api';
import { ErrorBanner } from '../ui/errors';

type Answer = 'yes' | 'no' | 'not-checked';
const WORD: Record<Answer, string> = { yes: 'Yes', no: 'No', 'not-checked': 'Not checked' };

export function ChecklistItemForm({
  runId,
  openingId,
  procedure,
  onRecorded,
}: {
  runId: number;
  openingId: string;
  procedure: ChecklistProcedure;
  onRecorded: (a: AttemptDetail) => void;
}) {
  const questions = procedure.steps.filter((s) => s.kind === 'confirm');
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const missing = questions.filter((q) => !answers[q.id]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (missing.length > 0) {
      setError(new Error(`Answer every question (${missing.length} left) — "Not checked" is an answer.`));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const latest = procedure.latest;
      const detail = latest
        ? await api.getAttempt({ attemptId: (await api.retest({ attemptId: latest.id, answers })).id })
        : await api.recordChecklistItem({
            runId,
            openingId,
            procedureId: procedure.id,
            answers,
            ...(note.trim() ? { note: note.trim() } : {}),
          });
      onRecorded(detail);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="check-form" onSubmit={submit} aria-label={`Check: ${procedure.title}`}>
      {questions.map((q) => (
        <fieldset key={q.id} className="check-q">
          <legend>{q.text ?? q.title}</legend>
          <div className="answer-row">
            {(['yes', 'no', 'not-checked'] as const).map((a) => (
              <label key={a} className={`answer-choice answer-${a}`}>
                <input
                  type="radio"
                  name={`${procedure.id}-${q.id}`}
                  checked={answers[q.id] === a}
                  onChange={() => setAnswers({ ...answers, [q.id]: a })}
                />
                {WORD[a]}
              </label>
            ))}
          </div>
        </fieldset>
      ))}
      <div className="field">
        <label htmlFor={`${procedure.id}-note`}>Note (optional)</label>
        <textarea id={`${procedure.id}-note`} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <ErrorBanner error={error} title="Not recorded" />
      <div>
        <button type="submit" className="btn primary big-btn" disabled={busy}>
          {busy ? 'Recording…' : 'Record answers'}
        </button>
      </div>
    </form>
  );
}
