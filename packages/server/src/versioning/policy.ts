/**
 * The seed's API versioning rules: `/v/{n}` with n a monotonically increasing integer. A version is
 * served (current), moved to a later version (301 to the same path there) or retired (410).
 */
export type VersionState = { state: 'current' } | { state: 'moved'; to: number } | { state: 'retired' };

export interface VersionPolicy {
  /** Versions whose routes are served, ascending. */
  current: number[];
  /** What a request under `/api/v/{n}` gets: undefined means the version never existed (404). */
  stateOf(version: number): VersionState | undefined;
  /** The policy as configured, for the docs and the banner. */
  describe(): string;
}

/** Parses "1=current", "1=moved:2,2=current", "0=retired,1=current"; throws naming the bad part. */
export function parseVersionPolicy(text: string): VersionPolicy {
  const states = new Map<number, VersionState>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d{1,6})=(current|retired|moved:(\d{1,6}))$/.exec(part);
    if (!match) throw new Error(`"${part}" should be N=current, N=retired or N=moved:M`);
    const version = Number(match[1]);
    if (states.has(version)) throw new Error(`version ${version} is given twice`);
    if (match[3] !== undefined) states.set(version, { state: 'moved', to: Number(match[3]) });
    else states.set(version, { state: match[2] as 'current' | 'retired' });
  }
  const current = [...states].filter(([, s]) => s.state === 'current').map(([v]) => v);
  current.sort((a, b) => a - b);
  const lowest = current[0];
  if (lowest === undefined) throw new Error('at least one version must be current');
  for (const [version, state] of states) {
    if (state.state === 'moved' && (state.to <= version || states.get(state.to)?.state !== 'current')) {
      throw new Error(`version ${version} moves to ${state.to}, which must be a later current version`);
    }
  }
  return {
    current,
    stateOf(version) {
      const state = states.get(version);
      if (state) return state;
      // Every version older than the oldest one still offered has been retired.
      if (version < lowest) return { state: 'retired' };
      return undefined;
    },
    describe: () =>
      [...states]
        .sort(([a], [b]) => a - b)
        .map(([v, s]) => `v${v} ${s.state === 'moved' ? `moved to v${s.to}` : s.state}`)
        .join(', '),
  };
}
