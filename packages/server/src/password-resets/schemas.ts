import { type Static, Type } from 'typebox';
import { Email } from '../agents/index.js';

export const PasswordResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
export type PasswordResetRequestInput = Static<typeof PasswordResetRequestBody>;

export const PasswordResetRequested = Type.Object(
  {
    message: Type.String({
      description: 'the same sentence whether or not an account has the address',
    }),
  },
  { description: 'Accepted: an email goes out if an active account has this address' },
);

export const PasswordResetConfirmBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 100, description: 'the reset token from the email' }),
    password: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'the new password: 12 or more characters, not a common one',
    }),
  },
  { additionalProperties: false },
);
export type PasswordResetConfirmInput = Static<typeof PasswordResetConfirmBody>;
