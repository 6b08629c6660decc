import { useState } from 'preact/hooks';
import { type Problem, problemOf } from '../api/problems';
import { useSession } from '../api/session';
import { ProblemNotice } from '../components/notice';

/** The seed's OAuth2 password grant, as a form: the first thing every user sees. */
export function LoginPage() {
  const { session, login } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>(
    session.status === 'anonymous' ? session.problem : undefined,
  );
  const notice = session.status === 'anonymous' ? session.notice : undefined;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setProblem(problemOf(err));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">
          <img src="/favicon.svg" alt="" width={28} height={28} /> Log in to Hearth
        </h1>
        {notice && !problem && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {problem && <ProblemNotice problem={problem} />}
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p>
          <a href="/forgot-password">Forgot your password?</a>
        </p>
        <p class="muted small">New to Hearth? Your organisation's admin invites you by email.</p>
      </form>
    </main>
  );
}
