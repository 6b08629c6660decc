import type { Alarm } from '@hearth/client';
import { useState } from 'preact/hooks';
import { client } from '../api/client';
import { type Problem, problemOf } from '../api/problems';
import { ProblemNotice } from './notice';

type Action = 'acknowledge' | 'clear';

/**
 * Acknowledge (someone is on it) or clear an alarm, each with an optional note. Shown only to
 * roles that may act; the server enforces it anyway. The note stays in the field on an error.
 */
export function AlarmActions({ alarm, onDone }: { alarm: Alarm; onDone: () => void }) {
  const [open, setOpen] = useState<Action | undefined>();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  if (alarm.state !== 'active') return null;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!open) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const text = note.trim() || undefined;
      if (open === 'acknowledge') await client.alarms.acknowledge(alarm.id, text);
      else await client.alarms.clear(alarm.id, text);
      setOpen(undefined);
      setNote('');
      onDone();
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <span class="actions">
        {!alarm.acknowledged && (
          <button type="button" class="secondary small" onClick={() => setOpen('acknowledge')}>
            Acknowledge
          </button>
        )}
        <button type="button" class="secondary small" onClick={() => setOpen('clear')}>
          Clear
        </button>
      </span>
    );
  }
  const id = `note-${alarm.id}`;
  return (
    <form class="alarm-form" onSubmit={submit}>
      {problem && <ProblemNotice problem={problem} />}
      <label for={id}>
        {open === 'acknowledge' ? 'Note (who is on it, what happens next)' : 'Note (what was done)'}
      </label>
      <input id={id} value={note} maxLength={1000} onInput={(e) => setNote(e.currentTarget.value)} />
      <span class="actions">
        <button type="submit" class="small" disabled={busy}>
          {open === 'acknowledge' ? 'Confirm acknowledge' : 'Confirm clear'}
        </button>
        <button type="button" class="secondary small" onClick={() => setOpen(undefined)}>
          Cancel
        </button>
      </span>
    </form>
  );
}
