import {
  ApiVersionGoneError,
  HearthApiError,
  HearthConnectionError,
  NotLoggedInError,
  OAuthError,
  PermissionError,
  RateLimitError,
} from '@hearth/client';

/** What went wrong, in words a person can act on; the one place a failure becomes a message. */
export interface Problem {
  title: string;
  detail: string;
  /** Field problems of a 400/422, by JSON pointer (e.g. /body/note). */
  fields: { field: string; message: string }[];
  requestId?: string;
  /** The API version this console speaks was retired: only an upgrade helps. */
  upgrade?: boolean;
  /** The session ended: the way forward is to log in again. */
  loggedOut?: boolean;
  notFound?: boolean;
}

export function problemOf(err: unknown): Problem {
  if (err instanceof ApiVersionGoneError) {
    return {
      title: 'This console needs an upgrade',
      detail:
        `The server no longer serves the API version this console was built for${err.retiredVersion ? ` (v${err.retiredVersion})` : ''}. ` +
        `${err.upgrade ?? err.detail} Reload the page to load the current console; if this message stays, ask your Hearth administrator to upgrade the console.`,
      fields: [],
      upgrade: true,
      ...(err.requestId ? { requestId: err.requestId } : {}),
    };
  }
  if (err instanceof NotLoggedInError) {
    return {
      title: 'Your session has ended',
      detail: 'Log in again to continue.',
      fields: [],
      loggedOut: true,
    };
  }
  if (err instanceof OAuthError) {
    const detail = err.errorDescription ?? err.detail;
    return { title: 'Could not log in', detail, fields: [] };
  }
  if (err instanceof RateLimitError) {
    const wait = err.retryAfter ? ` Try again in ${err.retryAfter} seconds.` : '';
    return { title: 'Too many requests', detail: `${err.detail}${wait}`, fields: [] };
  }
  if (err instanceof PermissionError) {
    return {
      title: 'Not allowed',
      detail: `${err.detail} Your role does not allow this; ask an admin of your organisation.`,
      fields: err.errors,
      ...(err.requestId ? { requestId: err.requestId } : {}),
    };
  }
  if (err instanceof HearthApiError) {
    return {
      title: err.problem.title ?? `Request failed (${err.status})`,
      detail: err.detail,
      fields: err.errors,
      notFound: err.status === 404,
      ...(err.requestId ? { requestId: err.requestId } : {}),
    };
  }
  if (err instanceof HearthConnectionError) {
    return {
      title: 'Cannot reach Hearth',
      detail: 'The server did not answer. Check your connection and try again.',
      fields: [],
    };
  }
  return {
    title: 'Something went wrong',
    detail: err instanceof Error ? err.message : String(err),
    fields: [],
  };
}
