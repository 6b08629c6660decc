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
  },
  { additionalProperties: true },
);
