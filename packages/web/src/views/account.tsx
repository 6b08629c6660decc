import { useEffect, useState } from 'preact/hooks';
import { client } from '../api/client';
import { type Problem, problemOf } from '../api/problems';
import { useMe, useSession } from '../api/session';
import { fieldProblem, PASSWORD_HINT, TextField, withoutFields } from '../components/form';
import { ProblemNotice } from '../components/notice';

const ROLE_WORDS: Record<string, string> = {
  operator: 'Platform operator: you manage the agents on this Hearth.',
  admin: 'Admin: you manage your organisation’s people, homes and settings.',
  editor: 'Editor: you can change homes, orders and alarms, but not people or settings.',
  viewer: 'Viewer: you can see the homes you are given, and change nothing.',
};

/** My account: who I am, my password, and logging out everywhere. */
export function AccountPage() {
  const me = useMe();
  const { ended } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [changed, setChanged] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [leaveProblem, setLeaveProblem] = useState<Problem>();

  useEffect(() => {
    document.title = 'My account · Hearth';
  }, []);

  const change = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setChanged(false);
    try {
      await client.changePassword({ currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setChanged(true);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  const everywhere = async () => {
    setLeaving(true);
    setLeaveProblem(undefined);
    try {
      await client.logoutEverywhere();
      ended('You have logged out everywhere: on this device and every other.');
    } catch (err) {
      setLeaveProblem(problemOf(err));
      setLeaving(false);
    }
  };

  return (
    <>
      <h1>My account</h1>
      <section class="card" aria-labelledby="who-title">
        <h2 id="who-title">You</h2>
        <dl class="facts">
          <div>
            <dt>Name</dt>
            <dd>{me.name || '—'}</dd>
          </div>
          <div>
            <dt>Username</dt>
            <dd>{me.username}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{me.email ?? '—'}</dd>
          </div>
          {me.agent && (
            <div>
              <dt>Organisation</dt>
              <dd>{me.agent.name}</dd>
            </div>
          )}
        </dl>
        <p>{ROLE_WORDS[me.role] ?? `Role: ${me.role}`}</p>
      </section>

      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        <p class="muted">Changing it logs you out on every other device; this one stays logged in.</p>
        {changed && (
          <p class="notice" role="status">
            Your password is changed. Your other sessions have ended.
          </p>
        )}
        {problem && (
          <ProblemNotice problem={withoutFields(problem, ['/body/currentPassword', '/body/newPassword'])} />
        )}
        <form class="narrow-form" onSubmit={change} noValidate aria-label="Change your password">
          <TextField
            id="current-password"
            label="Current password"
            error={fieldProblem(problem, '/body/currentPassword')}
            type="password"
            autoComplete="current-password"
            value={current}
            onValue={setCurrent}
          />
          <TextField
            id="new-password"
            label="New password"
            hint={PASSWORD_HINT}
            error={fieldProblem(problem, '/body/newPassword')}
            type="password"
            autoComplete="new-password"
            value={next}
            onValue={setNext}
          />
          <div class="form-actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Changing…' : 'Change password'}
            </button>
          </div>
        </form>
      </section>

      <section class="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Log out everywhere</h2>
        <p>
          Ends every session of yours: this browser, other browsers and phones, and scripts logged in as you.
          Use it if you logged in on a shared or lost device.
        </p>
        {leaveProblem && <ProblemNotice problem={leaveProblem} />}
        <button type="button" class="secondary" disabled={leaving} onClick={everywhere}>
          {leaving ? 'Logging out…' : 'Log out everywhere'}
        </button>
      </section>
    </>
  );
}
