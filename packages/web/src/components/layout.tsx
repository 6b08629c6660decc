import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useMe, useSession } from '../api/session';

const LINKS = [
  { href: '/homes', label: 'Homes' },
  { href: '/alarms', label: 'Alarms' },
  { href: '/portfolio', label: 'Portfolio' },
];

const ROLE_NAMES: Record<string, string> = {
  operator: 'platform operator',
  admin: 'admin',
  editor: 'editor',
  viewer: 'viewer',
};

/** The frame of every signed-in view: the navigation landmark, who is signed in, log out. */
export function Layout({ children }: { children: ComponentChildren }) {
  const me = useMe();
  const { logout } = useSession();
  const { path } = useLocation();
  const [leaving, setLeaving] = useState(false);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/homes">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          Hearth
        </a>
        <nav aria-label="Main">
          <ul>
            {LINKS.map((link) => (
              <li key={link.href}>
                <a href={link.href} aria-current={path.startsWith(link.href) ? 'page' : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <a class="who" href="/account" aria-current={path === '/account' ? 'page' : undefined}>
            {me.name || me.username}
            <span class="muted">
              {' '}
              · {ROLE_NAMES[me.role] ?? me.role}
              {me.agent ? `, ${me.agent.name}` : ''}
            </span>
          </a>
          <button
            type="button"
            class="secondary"
            disabled={leaving}
            onClick={async () => {
              setLeaving(true);
              await logout();
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
