import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Feature, INFRASTRUCTURE, TABLES_OF } from '../../src/features.js';

/**
 * The boundaries docs/architecture.md states, checked on the source: a feature's SQL names only
 * the tables it owns (src/features.ts), other code imports a feature only through its public
 * module (index.ts), and a stored JSON format is parsed only by its owner. What has not moved yet
 * is listed below by name, so the list can only shrink: an entry that no longer holds fails too.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** The one deliberate exception: home visibility is decided in one place for every feature's reads. */
const DELIBERATE: Record<string, readonly string[]> = {
  'auth/tenancy.ts': ['home_group_members', 'homes', 'user_home_groups'],
};

/** Reads of another feature's tables still to move behind the owner's service (issue #21). */
const REMAINING_TABLE_READS: Record<string, readonly string[]> = {
  // set-based: the alarm list's home reference and group filter, the groups an alarm event names,
  // and the evaluator's scans (homes with fault_management to take up, with their time zones)
  'faults/repository.ts': ['agents', 'home_group_members', 'homes', 'provisioning'],
  // the home list's group filter, a subquery of the list's one statement
  'homes/repository.ts': ['home_group_members'],
  // the channels of queries
  'telemetry/query.ts': ['channels'],
  // the writer's channels, meters and homes checked at ingest; the agent's time zone
  'telemetry/service.ts': ['agents', 'channels', 'homes', 'meters', 'provisioning'],
};

const FEATURES = Object.keys(TABLES_OF) as Feature[];
const ownerOf = new Map<string, Feature>(
  FEATURES.flatMap((feature) => TABLES_OF[feature].map((table): [string, Feature] => [table, feature])),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The file without its comments (a sentence about "readings from homes" is no query). */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replaceAll(/\/\*[\s\S]*?\*\//g, '')
    .replaceAll(/^\s*\/\/.*$/gm, '');
}

const files = sourceFiles(SRC).map((path) => ({ path, rel: relative(SRC, path), text: code(path) }));
const folderOf = (rel: string) => (rel.includes('/') ? (rel.split('/')[0] as string) : '');
const isFeature = (folder: string): folder is Feature => folder in TABLES_OF;

/** Table names in a file's SQL: the query builder's table arguments and raw SQL's from/join/into/update. */
function tablesIn(text: string): Set<string> {
  const found = new Set<string>();
  const builder =
    /\b(?:selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto|replaceInto)\(\s*['"`]([a-z_]+)/g;
  for (const m of text.matchAll(builder)) found.add(m[1] as string);
  const raw = /\b(?:from|join|into|update|exists)\s+\(?\s*([a-z_]+)\b/gi;
  for (const literal of text.matchAll(/`[^`]*`|'[^'\n]*'/g)) {
    for (const m of literal[0].matchAll(raw)) found.add((m[1] as string).toLowerCase());
  }
  return new Set([...found].filter((t) => ownerOf.has(t)));
}

/** Every relative import of a file, resolved to a path under src. */
function importsOf(file: { path: string; text: string }): string[] {
  const specifiers = [...file.text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(
    (m) => m[1] as string,
  );
  return specifiers.map((s) => relative(SRC, resolve(dirname(file.path), s)).replace(/\.js$/, '.ts'));
}

describe('feature boundaries', () => {
  it('every folder of src is a feature or infrastructure, and every table has one owner', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    const known = new Set<string>([...FEATURES, ...INFRASTRUCTURE]);
    expect(folders.filter((f) => !known.has(f))).toEqual([]);
    expect([...known].filter((f) => !folders.includes(f))).toEqual([]);
    const schema = readFileSync(join(SRC, 'db/schema.ts'), 'utf8');
    const dbTables = [...(schema.split('export interface DB {')[1] ?? '').matchAll(/^ {2}([a-z_]+):/gm)].map(
      (m) => m[1] as string,
    );
    expect(dbTables.filter((t) => !ownerOf.has(t))).toEqual([]);
    expect([...ownerOf.keys()].filter((t) => !dbTables.includes(t))).toEqual([]);
    const owned = FEATURES.flatMap((f) => TABLES_OF[f]);
    expect(owned.length).toBe(new Set(owned).size);
  });

  it("a feature's SQL names only its own tables (and infrastructure names none)", () => {
    const foreign: Record<string, string[]> = {};
    for (const file of files) {
      const folder = folderOf(file.rel);
      if (folder === '' || folder === 'db') continue; // the composition root; migrations make every table
      const own: readonly string[] = isFeature(folder) ? TABLES_OF[folder] : [];
      const tables = [...tablesIn(file.text)].filter((t) => !own.includes(t)).sort();
      if (tables.length > 0) foreign[file.rel] = tables;
    }
    const allowed = { ...DELIBERATE, ...REMAINING_TABLE_READS };
    expect(foreign).toEqual(allowed);
  });

  it('other code imports a feature only through its public module (index.ts)', () => {
    for (const feature of FEATURES)
      expect(existsSync(join(SRC, feature, 'index.ts')), `${feature}/index.ts`).toBe(true);
    const reaching: string[] = [];
    for (const file of files) {
      for (const target of importsOf(file)) {
        const feature = folderOf(target);
        if (!isFeature(feature) || feature === folderOf(file.rel)) continue;
        if (target !== `${feature}/index.ts`) reaching.push(`${file.rel} → ${target}`);
      }
    }
    expect(reaching).toEqual([]);
  });

  it('a public module gives camelCase domain types, never its stored rows or its repositories', () => {
    const leaking: string[] = [];
    for (const feature of FEATURES) {
      const index = code(join(SRC, feature, 'index.ts'));
      for (const m of index.matchAll(/export (?:type )?\{([^}]*)\} from '\.\/([\w-]+)\.js'/g)) {
        const names = (m[1] as string).split(',').map((n) => n.replace(/^\s*type\s+/, '').trim());
        for (const name of names.filter(Boolean)) {
          const fromRepository = (m[2] as string).endsWith('repository');
          if (name.endsWith('Repository') || (fromRepository && name.endsWith('Row')))
            leaking.push(`${feature}: ${name}`);
        }
      }
    }
    expect(leaking).toEqual([]);
  });

  it("stored JSON (a home's address, occupant and installation; provisioning settings) is parsed only by its owner", () => {
    const formats: Record<string, Feature> = {
      installation: 'homes',
      address: 'homes',
      occupant: 'homes',
      settings: 'provisioning',
    };
    const parses: Record<string, string[]> = {};
    for (const file of files) {
      const folder = folderOf(file.rel);
      for (const m of file.text.matchAll(
        /JSON\.parse\(\s*[\w.?]*\.(installation|address|occupant|settings)\b/g,
      )) {
        const column = m[1] as string;
        // meters.settings belongs to homes as well: a parse of settings in homes is the owner's.
        if (folder === formats[column] || (column === 'settings' && folder === 'homes')) continue;
        parses[file.rel] = [...(parses[file.rel] ?? []), column];
      }
    }
    for (const list of Object.values(parses)) list.sort();
    expect(parses).toEqual({});
  });
});
