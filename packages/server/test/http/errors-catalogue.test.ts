import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/http/errors.js';
import { startTestApp, type TestApp } from '../harness/index.js';

const apiDoc = readFileSync(path.join(import.meta.dirname, '../../../../docs/api.md'), 'utf8');

describe('every error code is documented', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('in docs/api.md, with its status', () => {
    for (const [code, { status }] of Object.entries(errorCatalogue)) {
      const row = new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`);
      expect(apiDoc, `docs/api.md should list ${code} with status ${status}`).toMatch(row);
    }
  });

  it('in the OpenAPI document', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/api/v/1/openapi.json' })).json();
    const text = JSON.stringify(spec);
    for (const code of Object.keys(errorCatalogue)) expect(text).toContain(`"${code}"`);
  });

  it('on the /errors page, each with an anchor that problem types link to', async () => {
    const page = (await t.app.inject({ method: 'GET', url: '/errors' })).body;
    for (const code of Object.keys(errorCatalogue)) {
      expect(page).toContain(`id="${code.replaceAll('_', '-')}"`);
    }
  });
});
