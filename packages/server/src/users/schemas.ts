import { type Static, Type } from 'typebox';
import { PersonName } from '../agents/index.js';
import { PageQuery } from '../http/paging.js';

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
    agentId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    agent: Type.Union([
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        name: Type.String(),
        status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
        timeZone: Type.String({ description: "IANA time zone of the agent's days and months" }),
        region: Type.Union([Type.String(), Type.Null()], {
          description: "the default region of the agent's homes (null: the platform default)",
        }),
      }),
      Type.Null(),
    ]),
    homeAccess: Type.Object(
      {
        mode: Type.Union([Type.Literal('all'), Type.Literal('groups')]),
        groupIds: Type.Array(Type.String({ format: 'uuid' })),
      },
      {
        description:
          "which of the agent's homes the user sees: all, or those of some home groups (admins: all)",
      },
    ),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A user of the platform' },
);
export type UserView = Static<typeof UserViewSchema>;

export const AgentUserRoleSchema = Type.Union([
  Type.Literal('admin'),
  Type.Literal('editor'),
  Type.Literal('viewer'),
]);

export const UserListQuery = Type.Object(
  {
    ...PageQuery,
    agentId: Type.Optional(Type.String({ format: 'uuid', description: "operator: one agent's users" })),
    role: Type.Optional(RoleSchema),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
    q: Type.Optional(
      Type.String({ maxLength: 200, description: 'search: part of the username, name or email' }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(PersonName),
    role: Type.Optional(AgentUserRoleSchema),
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('disabled')], {
        description: "disabled: the user's tokens are revoked at once and login is refused",
      }),
    ),
    homeAccess: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('all'), Type.Literal('groups')]),
          groupIds: Type.Optional(
            Type.Array(Type.String({ format: 'uuid' }), { maxItems: 100, uniqueItems: true }),
          ),
        },
        {
          additionalProperties: false,
          description: 'editors and viewers: all the agent’s homes, or only those of these home groups',
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserInput = Static<typeof UpdateUserBody>;

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
    newPassword: Type.String({
      minLength: 1,
      maxLength: 256,
      description: '12 or more characters, not a common one',
    }),
  },
  { additionalProperties: false },
);
export type ChangePasswordInput = Static<typeof ChangePasswordBody>;
