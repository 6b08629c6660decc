import type { Problem } from '../api/problems';

/** A failure shown with the server's own words (its problem detail), never a generic "error". */
export function ProblemNotice({ problem, onRetry }: { problem: Problem; onRetry?: () => void }) {
  return (
    <div class={`notice notice-error${problem.upgrade ? ' notice-upgrade' : ''}`} role="alert">
      <p class="notice-title">{problem.title}</p>
      <p>{problem.detail}</p>
      {problem.fields.length > 0 && (
        <ul>
          {problem.fields.map((f) => (
            <li key={f.field}>
              <code>{f.field.replace(/^\/(body|query)\//, '')}</code> {f.message}
            </li>
          ))}
        </ul>
      )}
      {problem.requestId && <p class="muted small">Request id {problem.requestId} (quote it to support).</p>}
      {problem.upgrade && (
        <button type="button" onClick={() => window.location.reload()}>
          Reload the console
        </button>
      )}
      {onRetry && !problem.upgrade && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: preact.ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
