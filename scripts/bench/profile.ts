import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  wallSeconds: number;
  /** Sampled time not idle: CPU of the main thread (JavaScript, native calls from it, GC). */
  busyPercent: number;
  topSelf: ProfileLine[];
  /** Self time grouped: package, Node internals, Hearth source file, GC, native. */
  byArea: ProfileLine[];
  /** Inclusive time of the functions that name a stage of the request path. */
  stages: ProfileLine[];
}

/** Where a frame's code lives, short: a package, a Hearth source file, Node internals. */
function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'V8 garbage collector';
  if (name === '(idle)') return '(idle)';
  if (name === '(program)') return '(program: native, not attributed to JS)';
  if (!url) return `V8/native builtins`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm: ${pkg[1]}`;
  if (url.startsWith('node:')) return `Node: ${url.slice(5).split('/')[0]}`;
  const src = /packages\/server\/src\/(.+)$/.exec(url);
  if (src) return `hearth: ${src[1]}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.+)$/.exec(url);
  if (pkg) return pkg[1] as string;
  const src = /packages\/server\/src\/(.+)$/.exec(url);
  if (src) return `src/${src[1]}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time per function (top N), per area, and inclusive time of the request path's stages, from
 * a V8 .cpuprofile (node --cpu-prof).
 */
export function summariseProfile(
  file: string,
  stagePatterns: [string, RegExp][],
  window?: { fromUs: number; toUs: number },
  top = 25,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample: the sample before it ran that long.
  // Timestamps share CLOCK_MONOTONIC with process.hrtime, so a window (the load, not the start-up
  // with its module loading) can be cut out.
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const total = [...selfUs.values()].reduce((s, x) => s + x, 0);
  let idle = 0;
  const fnSelf = new Map<string, { name: string; where: string; us: number }>();
  const areaSelf = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id) as ProfileNode;
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    // tsx transpiles Hearth's sources in memory: their line numbers are not the file's.
    const where = !callFrame.url
      ? ''
      : callFrame.url.includes('/packages/')
        ? shortUrl(callFrame.url)
        : `${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = fnSelf.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fnSelf.set(key, entry);
    const area = areaOf(callFrame.url, name);
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + us);
  }
  const busy = total - idle;
  const line = (name: string, where: string, us: number): ProfileLine => ({
    name,
    where,
    ms: Math.round(us / 1000),
    percent: busy > 0 ? Math.round((us / busy) * 1000) / 10 : 0,
  });
  const topSelf = [...fnSelf.values()]
    .filter((e) => e.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => line(e.name, e.where, e.us));
  const byArea = [...areaSelf.entries()]
    .filter(([area]) => area !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([area, us]) => line(area, '', us));

  // Inclusive time of each stage: samples with a matching frame on their stack (counted once).
  const stageUs = new Map<string, number>(stagePatterns.map(([label]) => [label, 0]));
  const stackMatch = new Map<number, Set<string>>();
  const matchesOf = (id: number): Set<string> => {
    const known = stackMatch.get(id);
    if (known) return known;
    const node = byId.get(id) as ProfileNode;
    const up = parent.get(id);
    const set = new Set(up === undefined ? [] : matchesOf(up));
    const frame = `${node.callFrame.functionName}@${node.callFrame.url}`;
    for (const [label, pattern] of stagePatterns) if (pattern.test(frame)) set.add(label);
    stackMatch.set(id, set);
    return set;
  };
  for (const [id, us] of selfUs)
    for (const label of matchesOf(id)) stageUs.set(label, (stageUs.get(label) ?? 0) + us);
  const stages = [...stageUs.entries()].map(([label, us]) => line(label, '', us));

  return {
    file,
    wallSeconds: (window ? window.toUs - window.fromUs : profile.endTime - profile.startTime) / 1e6,
    busyPercent: total > 0 ? Math.round((busy / total) * 1000) / 10 : 0,
    topSelf,
    byArea,
    stages,
  };
}
