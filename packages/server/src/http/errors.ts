/**
 * The catalogue of every error the API answers with. Handlers throw `new ApiError(code, detail)`;
 * the error handler turns it into RFC 9457 problem+json. docs/api.md#errors lists every code (a
 * test keeps the two in step), and `type` links there.
 */
export const errorCatalogue = {
  bad_request: { status: 400, title: 'The request is not valid' },
  validation_failed: { status: 400, title: 'The request body or parameters are not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  invitation_invalid: { status: 400, title: 'The invitation cannot be used' },
  password_incorrect: { status: 400, title: 'The current password is wrong' },
  password_reset_invalid: { status: 400, title: 'The password reset token cannot be used' },
  too_many_points: { status: 400, title: 'The query would answer too many points' },
  unauthenticated: { status: 401, title: 'An access token is required' },
  invalid_token: { status: 401, title: 'The access token is invalid, expired or revoked' },
  forbidden: { status: 403, title: 'You are not allowed to do this' },
  agent_suspended: { status: 403, title: 'Your agent is suspended' },
  not_found: { status: 404, title: 'No such resource' },
  route_not_found: { status: 404, title: 'No such route' },
  api_version_unknown: { status: 404, title: 'No such API version' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this resource' },
  not_acceptable: { status: 406, title: 'No acceptable representation' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  api_version_retired: { status: 410, title: 'This API version has been retired' },
  precondition_failed: { status: 412, title: 'The resource changed since you read it' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  unprocessable: { status: 422, title: 'The request cannot be processed as it stands' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface FieldProblem {
  /** JSON pointer into the request: /body/name, /query/limit, /params/id. */
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  /** Fastify's name for the status, read by plugins' own error handlers (the OAuth endpoints). */
  readonly statusCode: number;
  readonly title: string;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: {
      errors?: FieldProblem[];
      headers?: Record<string, string>;
      [key: string]: unknown;
    } = {},
  ) {
    super(detail ?? errorCatalogue[code].title);
    this.name = 'ApiError';
    this.status = errorCatalogue[code].status;
    this.statusCode = this.status;
    this.title = errorCatalogue[code].title;
  }
}

/** A relative URI reference (RFC 9457 §3.1.1): the server's own /errors page documents each code. */
export const problemType = (code: ErrorCode): string => `/errors#${code.replaceAll('_', '-')}`;
