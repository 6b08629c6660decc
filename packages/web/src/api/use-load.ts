import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Problem, problemOf } from './problems';
import { useSession } from './session';

export type Load<T> =
  | { state: 'loading'; data?: T }
  | { state: 'ready'; data: T }
  | { state: 'error'; problem: Problem; data?: T };

/**
 * Loads data for a view and reloads it when `deps` change; an older answer never overwrites a
 * newer one. A session that ended on the server sends the user back to the login page.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): Load<T> & { reload: () => void } {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const { ended } = useSession();
  const latest = useRef(0);
  useEffect(() => {
    const controller = new AbortController();
    const run = ++latest.current;
    setResult((previous) => ({
      state: 'loading',
      ...(previous.data !== undefined ? { data: previous.data } : {}),
    }));
    load(controller.signal).then(
      (data) => {
        if (run === latest.current) setResult({ state: 'ready', data });
      },
      (err: unknown) => {
        if (controller.signal.aborted || run !== latest.current) return;
        const problem = problemOf(err);
        if (problem.loggedOut) ended();
        setResult((previous) => ({
          state: 'error',
          problem,
          ...(previous.data !== undefined ? { data: previous.data } : {}),
        }));
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...result, reload };
}
