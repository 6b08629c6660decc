// Import cycles between the server's modules (type-only imports included), found by madge. A cycle
// not listed below fails, and so does a listed one that is gone: the list only shrinks (issue #21).
import madge from 'madge';

/** Cycles still to break (issue #21), as madge prints them, relative to packages/server/src. */
const REMAINING = [];

const result = await madge('packages/server/src', {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  // The SDK the demo drives the API with is another package, with cycles of its own.
  excludeRegExp: [/^\.\.\//],
});
const found = result.circular().map((cycle) => cycle.join(' > '));
const unexpected = found.filter((c) => !REMAINING.includes(c));
const gone = REMAINING.filter((c) => !found.includes(c));
for (const c of unexpected) console.error(`import cycle: ${c}`);
for (const c of gone) console.error(`no longer a cycle, remove it from scripts/check-cycles.mjs: ${c}`);
if (unexpected.length > 0 || gone.length > 0) process.exit(1);
console.log(`no import cycles beyond the ${REMAINING.length} listed`);
