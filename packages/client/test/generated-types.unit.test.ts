import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generateClientTypes } from '../../../scripts/generate-client-types.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

describe('the SDK follows the server', () => {
  it('src/generated/openapi.ts is what the server OpenAPI document generates today (run `npm run generate`)', async () => {
    const committed = readFileSync(GENERATED_FILE, 'utf8');
    const fresh = await generateClientTypes();
    // On a difference, the message names the way to fix it rather than dumping two thousand lines.
    expect(
      committed === fresh,
      'packages/client/src/generated/openapi.ts is stale: run `npm run generate`',
    ).toBe(true);
  });

  it('the core imports nothing from node: (it runs in browsers); only node.ts may', () => {
    const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const offenders = files.filter(
      (file) =>
        file !== 'node.ts' &&
        /from ['"]node:|require\(['"]node:/.test(readFileSync(path.join(SRC, file), 'utf8')),
    );
    expect(files.length).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });
});
