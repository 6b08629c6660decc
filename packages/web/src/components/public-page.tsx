import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';

/** The frame of a page without a session (log in, invitations, password resets): one card. */
export function PublicPage({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Hearth`;
  }, [title]);
  return (
    <main id="main" class="login">
      <div class="card login-card">
        <h1>
          <img src="/favicon.svg" alt="" width={28} height={28} /> {title}
        </h1>
        {children}
      </div>
    </main>
  );
}

/**
 * The `?token=` of an emailed link, kept in the page's state and taken out of the address bar at
 * once, so it stays in no history entry, bookmark or screenshot of the URL.
 */
export function useLinkToken(): string {
  const { query, path } = useLocation();
  const [token] = useState(() => query.token ?? '');
  useEffect(() => {
    if (query.token) window.history.replaceState(window.history.state, '', path);
  }, [query.token, path]);
  return token;
}
