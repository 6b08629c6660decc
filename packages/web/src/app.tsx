import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { SessionProvider, useSession } from './api/session';
import { Layout } from './components/layout';
import { Loading } from './components/notice';
import { AcceptInvitationPage } from './views/accept-invitation';
import { AccountPage } from './views/account';
import { AlarmInbox } from './views/alarms';
import { FleetPage } from './views/fleet';
import { HomePage } from './views/home';
import { LoginPage } from './views/login';
import { NotFound } from './views/not-found';
import { ForgotPasswordPage, ResetPasswordPage } from './views/password-reset';
import { PortfolioPage } from './views/portfolio';
import { ReportPage } from './views/report';

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to, route]);
  return null;
}

const PUBLIC_PAGES: Record<string, () => preact.JSX.Element> = {
  '/accept-invitation': AcceptInvitationPage,
  '/reset-password': ResetPasswordPage,
  '/forgot-password': ForgotPasswordPage,
};

/** Every view has its own URL, so a link can be shared and a reload keeps the place. */
function Routes() {
  const { session } = useSession();
  const { path } = useLocation();
  // The pages emails link to, and asking for a reset: they work with or without a session.
  const Public = PUBLIC_PAGES[path];
  if (Public) return <Public />;
  if (session.status === 'checking') return <Loading what="your session" />;
  // Not logged in: the login form, at the URL asked for, which shows once logged in.
  if (session.status === 'anonymous') return <LoginPage />;
  return (
    <Layout>
      <Router>
        <Route path="/" component={() => <Redirect to="/homes" />} />
        <Route path="/login" component={() => <Redirect to="/homes" />} />
        <Route path="/homes" component={FleetPage} />
        <Route path="/homes/:home" component={HomePage} />
        <Route path="/homes/:home/report" component={ReportPage} />
        <Route path="/alarms" component={AlarmInbox} />
        <Route path="/portfolio" component={PortfolioPage} />
        <Route path="/account" component={AccountPage} />
        <Route default component={NotFound} />
      </Router>
    </Layout>
  );
}

export function App() {
  return (
    <LocationProvider>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </LocationProvider>
  );
}
