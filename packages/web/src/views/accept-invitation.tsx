import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client } from '../api/client';
import { type Problem, problemOf } from '../api/problems';
import { useSession } from '../api/session';
import { fieldProblem, PASSWORD_HINT, TextField, withoutFields } from '../components/form';
import { ProblemNotice } from '../components/notice';
import { PublicPage, useLinkToken } from '../components/public-page';

const FIELDS = ['/body/name', '/body/username', '/body/password'];

/**
 * Where an invitation email leads: the invitee picks a username and a password, the account is
 * made, and they are logged in and land on the fleet. A refused field keeps what was typed.
 */
export function AcceptInvitationPage() {
  const token = useLinkToken();
  const { session, login } = useSession();
  const { route } = useLocation();
  const [name, setName] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();

  if (!token) {
    return (
      <PublicPage title="Accept your invitation">
        <p>
          This page needs the link from your invitation email. Open the link in the email again, or ask the
          admin who invited you to send a new invitation.
        </p>
        <p>
          <a href="/login">Log in</a> if you already have an account.
        </p>
      </PublicPage>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await client.invitations.accept({ token, name: name.trim(), username: username.trim(), password });
    } catch (err) {
      setProblem(problemOf(err));
      setBusy(false);
      return;
    }
    try {
      await login(username.trim(), password);
      route('/homes', true);
    } catch (err) {
      // The account exists: only logging in failed (e.g. the server is busy).
      setProblem({ ...problemOf(err), title: 'Your account is ready, but logging in failed' });
      setBusy(false);
    }
  };

  return (
    <PublicPage title="Accept your invitation">
      <p>Choose how you will log in to Hearth. Your admin has already chosen your role.</p>
      {session.status === 'ready' && (
        <p class="notice" role="status">
          You are logged in as {session.me.username}. Accepting logs you in with the new account instead.
        </p>
      )}
      {problem && <ProblemNotice problem={withoutFields(problem, FIELDS)} />}
      <form onSubmit={submit} noValidate aria-label="Accept your invitation">
        <TextField
          id="name"
          label="Your name"
          error={fieldProblem(problem, '/body/name')}
          autoComplete="name"
          value={name}
          onValue={setName}
        />
        <TextField
          id="username"
          label="Username"
          hint="3 to 64 letters, digits, and . _ @ - (your email address works)."
          error={fieldProblem(problem, '/body/username')}
          autoComplete="username"
          value={username}
          onValue={setUsername}
        />
        <TextField
          id="password"
          label="Password"
          hint={PASSWORD_HINT}
          error={fieldProblem(problem, '/body/password')}
          type="password"
          autoComplete="new-password"
          value={password}
          onValue={setPassword}
        />
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating your account…' : 'Create my account and log in'}
          </button>
        </div>
      </form>
    </PublicPage>
  );
}
