import { type Static, Type } from 'typebox';

const GroupName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '\\S',
  description: 'unique within the agent',
});

export const HomeGroupViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  homeCount: Type.Integer({ description: 'homes in the group' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type HomeGroupView = Static<typeof HomeGroupViewSchema>;

export const HomeGroupBody = Type.Object({ name: GroupName }, { additionalProperties: false });
