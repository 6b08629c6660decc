import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { STORAGE_RETRY_SECONDS, type StorageFault } from '../db/storage-faults.js';
import { ApiError, type ErrorCode, errorCatalogue, type FieldProblem, problemType } from './errors.js';

/** Writes an RFC 9457 problem document, with the request id so a user can quote it to support. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  const { errors, headers, ...extra } = error.extra;
  if (headers) reply.headers(headers);
  return reply
    .code(error.status)
    .type('application/problem+json; charset=utf-8')
    .send({
      type: problemType(error.code),
      title: error.title,
      status: error.status,
      detail: error.detail ?? error.title,
      code: error.code,
      instance: request.url,
      requestId: request.id,
      ...(errors ? { errors } : {}),
      ...extra,
    });
}

const MAX_FIELD_PROBLEMS = 20;

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
};

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * A nullable field (`anyOf [X, null]`) whose value fails X also fails "must be null" and "must
 * match a schema in anyOf": keep only what X expected, unless nothing else is said of the field.
 */
function withoutNullableNoise(issues: AjvIssue[]): AjvIssue[] {
  const unions = new Set(issues.filter((i) => i.keyword === 'anyOf').map((i) => i.instancePath));
  if (unions.size === 0) return issues;
  const noise = (i: AjvIssue) =>
    unions.has(i.instancePath) &&
    (i.keyword === 'anyOf' || (i.keyword === 'type' && i.params.type === 'null'));
  const said = new Set(issues.filter((i) => !noise(i)).map((i) => i.instancePath));
  return issues.filter((i) => !noise(i) || !said.has(i.instancePath));
}

/** Turns Ajv's issues into one problem per field, naming the field and what was expected of it. */
function fieldProblems(context: string, issues: AjvIssue[]): FieldProblem[] {
  const where = context === 'querystring' ? 'query' : context;
  return withoutNullableNoise(issues).map((issue) => {
    let field = `/${where}${issue.instancePath}`;
    let message = issue.message ?? 'is not valid';
    if (issue.keyword === 'additionalProperties') {
      field = `${field}/${String(issue.params.additionalProperty)}`;
      message = 'is not a known field';
    } else if (issue.keyword === 'required') {
      field = `${field}/${String(issue.params.missingProperty)}`;
      message = 'is required';
    }
    return { field, message };
  });
}

function toApiError(
  error: FastifyError & { validation?: AjvIssue[]; validationContext?: string },
  request: FastifyRequest,
): ApiError {
  if (error instanceof ApiError) return error;
  const storage = request.server.ctx?.database.storage.record(error);
  if (storage) return storageUnavailable(storage);
  if (error.validation) {
    const all = fieldProblems(error.validationContext ?? 'body', error.validation);
    // A hostile body can fail on thousands of fields: name the first few, which is what a person reads.
    const errors = all.slice(0, MAX_FIELD_PROBLEMS);
    const more = all.length > errors.length ? `; and ${all.length - errors.length} more` : '';
    return new ApiError('validation_failed', errors.map((e) => `${e.field} ${e.message}`).join('; ') + more, {
      errors,
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const given = request.headers['content-type'] || 'none';
      return new ApiError(
        'unsupported_media_type',
        `This resource takes an application/json body; Content-Type was ${given}`,
      );
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        'payload_too_large',
        `The body is larger than the limit of ${request.routeOptions.bodyLimit} bytes`,
      );
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return new ApiError(mapped, error.message);
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ApiError('malformed_json', `The body is not valid JSON: ${error.message}`);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = (Object.keys(errorCatalogue) as ErrorCode[]).find(
      (c) => errorCatalogue[c].status === status,
    );
    return new ApiError(code ?? 'bad_request', error.message);
  }
  return new ApiError('internal', 'Something went wrong on our side; quote the request id to support.');
}

/** The 503 of a request the node could not complete because its storage failed (db/storage-faults.ts). */
export function storageUnavailable(fault: StorageFault): ApiError {
  return new ApiError(
    'unavailable',
    `The request was not completed: ${fault.message}. Nothing of it was stored; try again after Retry-After.`,
    { headers: { 'retry-after': String(STORAGE_RETRY_SECONDS) }, reason: fault.kind },
  );
}

/**
 * One error handler and one not-found handler for the whole server: every error leaves as
 * problem+json, a known path with the wrong method is 405 with Allow, an unknown one 404.
 */
export function registerProblemHandlers(app: FastifyInstance): void {
  // A second router that knows every path, to tell "wrong method" (405) from "no such path" (404).
  const paths = FindMyWay<HTTPVersion.V1>();
  const seen = new Set<string>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const key = `${method} ${route.url}`;
      if (seen.has(key) || !route.url) continue;
      seen.add(key);
      paths.on(method as 'GET', route.url, () => {});
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error, request);
    if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, apiError);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter(
      (m) => paths.find(m as 'GET', path) !== null,
    );
    // A route that answers this method but found nothing to serve (a missing console asset) is 404.
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return sendProblem(
        request,
        reply,
        new ApiError(
          'method_not_allowed',
          `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
          {
            headers: { allow: allowed.join(', ') },
          },
        ),
      );
    }
    return sendProblem(
      request,
      reply,
      new ApiError('route_not_found', `There is no route ${request.method} ${path}`),
    );
  });
}
