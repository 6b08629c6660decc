import { Type } from 'typebox';
import { errorCatalogue } from './errors.js';

/** RFC 9457 problem document, as every API error is sent. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'link to the documentation of this error' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'what went wrong, in a sentence a person can act on' }),
    code: Type.Union(
      Object.keys(errorCatalogue).map((code) => Type.Literal(code)),
      { description: 'stable machine-readable error code' },
    ),
    instance: Type.String(),
    requestId: Type.String({ description: 'quote this to support' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String({ description: 'JSON pointer: /body/name, /query/limit' }),
          message: Type.String(),
        }),
      ),
    ),
    moreErrors: Type.Optional(
      Type.Integer({
        description: 'how many further problems there are beyond those in errors (at most 100 are listed)',
      }),
    ),
  },
  { additionalProperties: true },
);

/** `/{id}` path parameters: a malformed id is a 400; a well-formed one that you may not see is a 404. */
export const Id = (description = 'the id') =>
  // Lower-case only: ids are compared as text, so an upper-case or urn: form would be a confusing 404.
  Type.String({
    format: 'uuid',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    description,
  });
export const IdParams = Type.Object({ id: Id() });

/** The body of a 204 answer: none. */
export const NoContent = Type.Null({ description: 'No content' });

/** A region's code (GET /regions): agents name a default region by it, homes their own. */
export const REGION_PATTERN = '^[\\w.-]{1,64}$';
