import type { FastifyInstance } from 'fastify';
import { ApiError } from '../http/errors.js';
import { sendProblem } from '../http/problems.js';
import type { VersionPolicy } from './policy.js';

const VERSIONED = /^\/api\/v\/([^/?#]*)([^?#]*)(\?.*)?$/;

/**
 * Applies the seed's versioning rules before anything else (authentication, body parsing): a moved
 * version answers 301 to the same path and query under its new version, whatever the method; a
 * retired one answers 410 with upgrade advice; a version that never existed answers 404.
 */
export function registerVersioning(app: FastifyInstance, policy: VersionPolicy): void {
  const latest = policy.current[policy.current.length - 1];
  app.addHook('onRequest', async (request, reply) => {
    const match = VERSIONED.exec(request.url);
    if (!match) return;
    const [, versionText = '', rest = '', query = ''] = match;
    const state = /^\d{1,6}$/.test(versionText) ? policy.stateOf(Number(versionText)) : undefined;
    if (state?.state === 'current') return;
    if (state?.state === 'moved') {
      return reply.code(301).header('location', `/api/v/${state.to}${rest}${query}`).send();
    }
    if (state?.state === 'retired') {
      return sendProblem(
        request,
        reply,
        new ApiError(
          'api_version_retired',
          `API version ${versionText} has been retired and no longer answers. Use /api/v/${latest}${rest || '/'} ` +
            'instead, and upgrade your client (the hearth CLI and SDK follow the current version).',
          { currentVersions: policy.current, upgrade: `/api/v/${latest}${rest}` },
        ),
      );
    }
    return sendProblem(
      request,
      reply,
      new ApiError(
        'api_version_unknown',
        `There is no API version "${versionText}"; the current version${policy.current.length > 1 ? 's are' : ' is'} ` +
          policy.current.map((v) => `/api/v/${v}`).join(', '),
        { currentVersions: policy.current },
      ),
    );
  });
}
