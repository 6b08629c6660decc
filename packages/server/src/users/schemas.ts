import { type Static, Type } from 'typebox';

export const RoleSchema = Type.Union(
  [Type.Literal('operator'), Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')],
  { description: 'operator: platform staff; admin, editor, viewer: roles inside an agent' },
);

export const UserViewSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    role: RoleSchema,
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    agent: Type.Union([
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        name: Type.String(),
        status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
      }),
      Type.Null(),
    ]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A user of the platform' },
);
export type UserView = Static<typeof UserViewSchema>;
