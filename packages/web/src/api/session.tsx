import type { User } from '@hearth/client';
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { client } from './client';
import { type Problem, problemOf } from './problems';

export type SessionState =
  | { status: 'checking' }
  | { status: 'anonymous'; notice?: string; problem?: Problem }
  | { status: 'ready'; me: User };

interface SessionApi {
  session: SessionState;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** The session is over (refused, expired, revoked, or ended here): back to the login page. */
  ended(notice?: string): void;
}

const SessionContext = createContext<SessionApi | undefined>(undefined);

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSession outside SessionProvider');
  return api;
}

/** The signed-in user; only inside the part of the app that needs a session. */
export function useMe(): User {
  const { session } = useSession();
  if (session.status !== 'ready') throw new Error('useMe without a session');
  return session.me;
}

/** The agent's IANA time zone: every time the console shows is in it. */
export function useTimeZone(): string {
  return useMe().agent?.timeZone ?? 'Europe/London';
}

/** Whether the role may act on alarms (acknowledge, clear); the server enforces it anyway. */
export function canManageAlarms(me: User): boolean {
  return me.role === 'admin' || me.role === 'editor' || me.role === 'operator';
}

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [session, setSession] = useState<SessionState>({ status: 'checking' });

  useEffect(() => {
    // A reload: the access token is gone with the page, the HttpOnly cookie resumes the session.
    let live = true;
    (async () => {
      try {
        if (await client.resumeSession()) {
          const me = await client.me();
          if (live) setSession({ status: 'ready', me });
          return;
        }
        if (live) setSession({ status: 'anonymous' });
      } catch (err) {
        if (live) setSession({ status: 'anonymous', problem: problemOf(err) });
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    await client.login({ username, password });
    const me = await client.me();
    setSession({ status: 'ready', me });
  }, []);

  const logout = useCallback(async () => {
    try {
      await client.logout();
    } finally {
      setSession({ status: 'anonymous', notice: 'You have logged out.' });
    }
  }, []);

  const ended = useCallback((notice = 'Your session has ended. Log in again to continue.') => {
    setSession({ status: 'anonymous', notice });
  }, []);

  const api = useMemo(() => ({ session, login, logout, ended }), [session, login, logout, ended]);
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}
