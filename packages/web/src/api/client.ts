import { HearthClient } from '@hearth/client';

/**
 * The console's one SDK client. It is a first-party app on the server's own origin: the `console`
 * OAuth client keeps the refresh token in an HttpOnly cookie the page never sees, and the access
 * token lives only in this client's memory (never localStorage), so a reload resumes the session
 * through the cookie.
 */
export const client = new HearthClient({
  baseUrl: window.location.origin,
  clientId: 'console',
  clientSecret: '',
  cookieSession: true,
});
