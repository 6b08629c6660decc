import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { permissionMatrix } from '../../src/auth/permissions.js';

const doc = readFileSync(path.join(import.meta.dirname, '../../../../docs/permissions.md'), 'utf8');
// The columns of the matrix, in order: the four user roles, a home's gateway client, then an
// agent's integration clients (read, read_write).
const roles = [
  'operator',
  'admin',
  'editor',
  'viewer',
  'gateway',
  'integration_read',
  'integration_read_write',
] as const;

describe('docs/permissions.md', () => {
  it('states exactly the permission matrix the server enforces', () => {
    for (const [permission, allowed] of Object.entries(permissionMatrix)) {
      const cells = roles.map((r) => ((allowed as readonly string[]).includes(r) ? 'yes' : 'no'));
      const row = new RegExp(
        `\\|\\s*\`${permission.replace('.', '\\.')}\`\\s*\\|\\s*${cells.join('\\s*\\|\\s*')}\\s*\\|`,
      );
      expect(doc, `row for ${permission}`).toMatch(row);
    }
  });
});
