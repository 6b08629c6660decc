import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import type { FieldProblem } from '../http/errors.js';

/**
 * NIST SP 800-63B §3.1.1.2: at least 12 characters (our floor), no composition rules, and
 * refused when it is a common or easily guessed password. zxcvbn-ts checks it against the
 * common-password and word lists, keyboard patterns and repeats, and against the user's own
 * details (username, email, name), which NIST names as context-specific words.
 */
const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
});

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
const MIN_SCORE = 3;

export function passwordProblem(
  password: string,
  field: string,
  context: string[],
): FieldProblem | undefined {
  if (password.length < PASSWORD_MIN) {
    return { field, message: `must have at least ${PASSWORD_MIN} characters (it has ${password.length})` };
  }
  if (password.length > PASSWORD_MAX)
    return { field, message: `must have at most ${PASSWORD_MAX} characters` };
  // zxcvbn's cost grows with length; the first 100 characters tell how guessable it is.
  const result = zxcvbn.check(password.slice(0, 100), ['hearth', 'passiv', ...context.filter(Boolean)]);
  if (result.score < MIN_SCORE) {
    const why = result.feedback.warning ?? 'It is too easy to guess.';
    return { field, message: `is too easy to guess: ${why} Try a longer phrase of unrelated words.` };
  }
  return undefined;
}
