import type { ComponentChildren } from 'preact';
import type { Problem } from '../api/problems';

/**
 * The server's words about one field of a refused request (422/400 by JSON pointer, e.g.
 * `/body/password`), or undefined: each form shows it next to the field it is about.
 */
export function fieldProblem(problem: Problem | undefined, pointer: string): string | undefined {
  const found = problem?.fields.filter((f) => f.field === pointer).map((f) => f.message);
  return found && found.length > 0 ? found.join('; ') : undefined;
}

/**
 * The problem as the top of a form shows it: without the field problems shown beside their fields,
 * and, when those were all there was, in words that send the eye to them instead of repeating the
 * server's pointers (`/body/password …`).
 */
export function withoutFields(problem: Problem, shown: string[]): Problem {
  const rest = problem.fields.filter((f) => !shown.includes(f.field));
  if (rest.length === problem.fields.length || rest.length > 0) return { ...problem, fields: rest };
  const count = problem.fields.length;
  return {
    ...problem,
    title: 'Please check the form',
    detail:
      count === 1
        ? 'One field needs a change: its message is under it.'
        : `${count} fields need a change: each message is under its field.`,
    fields: [],
  };
}

interface FieldProps {
  id: string;
  label: string;
  /** what the field wants, said before anyone gets it wrong */
  hint?: ComponentChildren;
  /** the server's words about this field's value (it keeps the value: the user fixes it) */
  error?: string | undefined;
  children: (described: { 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ComponentChildren;
}

/** A labelled field with its hint and its error, tied to the input for screen readers. */
export function Field({ id, label, hint, error, children }: FieldProps) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="form-field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {children({
        ...(described ? { 'aria-describedby': described } : {}),
        ...(error ? { 'aria-invalid': true } : {}),
      })}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {label} {error}
        </p>
      )}
    </div>
  );
}

interface TextFieldProps {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  name?: string;
}

/** A required text input in a Field: most of a form's fields. */
export function TextField({
  id,
  label,
  hint,
  error,
  value,
  onValue,
  type = 'text',
  autoComplete,
  name,
}: TextFieldProps) {
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      {(a11y) => (
        <input
          id={id}
          name={name ?? id}
          type={type}
          autoComplete={autoComplete}
          required
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
          {...a11y}
        />
      )}
    </Field>
  );
}

/** The password policy, in words, before the user picks one (users/password-policy.ts). */
export const PASSWORD_HINT =
  'At least 12 characters. Not a common password, and not your name or username: a phrase of three or four unrelated words works well.';
