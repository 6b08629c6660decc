import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client } from '../api/client';
import { type Problem, problemOf } from '../api/problems';
import { useSession } from '../api/session';
import { fieldProblem, PASSWORD_HINT, TextField, withoutFields } from '../components/form';
import { ProblemNotice } from '../components/notice';
import { PublicPage, useLinkToken } from '../components/public-page';

/** "Forgot your password?": asks for a reset email. The answer is the same for any address. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string>();
  const [problem, setProblem] = useState<Problem>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await client.passwordResets.request({ email: email.trim() });
      setSent(email.trim());
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (sent) {
    return (
      <PublicPage title="Check your email">
        <p role="status">
          If a Hearth account has the address <strong>{sent}</strong>, an email with a link to choose a new
          password is on its way. The link works once, for a short time.
        </p>
        <p class="muted small">
          Nothing arrived after a few minutes? Check your spam folder, or ask your organisation's admin which
          address your account has.
        </p>
        <p>
          <a href="/login">Back to log in</a>
        </p>
      </PublicPage>
    );
  }

  return (
    <PublicPage title="Forgot your password?">
      <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
      {problem && <ProblemNotice problem={withoutFields(problem, ['/body/email'])} />}
      <form onSubmit={submit} noValidate aria-label="Ask for a password reset">
        <TextField
          id="email"
          label="Email address"
          error={fieldProblem(problem, '/body/email')}
          type="email"
          autoComplete="email"
          value={email}
          onValue={setEmail}
        />
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Sending…' : 'Send me a link'}
          </button>
          <a href="/login">Back to log in</a>
        </div>
      </form>
    </PublicPage>
  );
}

/**
 * Where a reset email leads: a new password, then the user is logged in (with the username the
 * email names) and lands on the fleet. Every other session of theirs has ended.
 */
export function ResetPasswordPage() {
  const token = useLinkToken();
  const { login, ended } = useSession();
  const { route } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();

  if (!token) {
    return (
      <PublicPage title="Choose a new password">
        <p>
          This page needs the link from your password reset email. Open the link in the email again, or{' '}
          <a href="/forgot-password">ask for a new one</a>.
        </p>
      </PublicPage>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await client.passwordResets.confirm({ token, password });
    } catch (err) {
      setProblem(problemOf(err));
      setBusy(false);
      return;
    }
    try {
      await login(username.trim(), password);
      route('/homes', true);
    } catch {
      // The password is set; only the username did not match: the login page says so.
      ended('Your new password is set. Log in with it (the reset email names your username).');
      route('/login', true);
    }
  };

  return (
    <PublicPage title="Choose a new password">
      <p>Your new password replaces the old one, and logs you out on every other device.</p>
      {problem && <ProblemNotice problem={withoutFields(problem, ['/body/password'])} />}
      <form onSubmit={submit} noValidate aria-label="Choose a new password">
        <TextField
          id="username"
          label="Username"
          hint="As the reset email names it: you are logged in with it after."
          autoComplete="username"
          value={username}
          onValue={setUsername}
        />
        <TextField
          id="new-password"
          label="New password"
          hint={PASSWORD_HINT}
          error={fieldProblem(problem, '/body/password')}
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onValue={setPassword}
        />
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Set my new password and log in'}
          </button>
        </div>
      </form>
    </PublicPage>
  );
}
