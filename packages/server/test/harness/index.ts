/**
 * The test harness: the one module tests import their set-up from (`../harness/index.js`).
 *
 * | file                 | what it gives a test                                                                  |
 * | -------------------- | ------------------------------------------------------------------------------------- |
 * | `app.ts`             | databases (a copy of the run's migrated template), `startTestApp`, the operator, `login`, `bearer` |
 * | `http.ts`            | `call` (inject under /api/v/1), `expectProblem` (the one problem+json check), `allPages`, `waitFor` |
 * | `live.ts`            | the app on a real loopback port (`listen`) and `fetch` of its routes                  |
 * | `tenants.ts`         | `createTenant` (an agent, its admin, more users, made through the real invitation)     |
 * | `orders.ts`, `homes.ts` | a complete order, `submitHome`, home groups and access                             |
 * | `telemetry.ts`       | homes with channels, pushing readings, gateway tokens, rows stored without the checks |
 * | `rows.ts`            | direct rows: counts and mail read straight from the tables, for what the API does not show |
 * | `smtp.ts`, `password-resets.ts` | a real SMTP receiver; the forgot-password flow                             |
 * | `webhooks.ts`, `mqtt.ts` | a webhook receiver and signatures; an MQTT gateway                               |
 * | `security.ts`        | the security suite's fixture: every role of two agents and their resources             |
 * | `timeouts.ts`        | `timeout(ms)`: a timeout stated for an idle machine, scaled for a loaded one           |
 *
 * Run-wide set-up lives beside it: `global-setup.ts` (migrates the template once per run) and
 * `setup.ts` (argon2 at the test cost in every file). Fixtures of one suite only (the fault rules'
 * simulated data) stay beside that suite.
 */
export * from './app.js';
export * from './homes.js';
export * from './http.js';
export * from './live.js';
export * from './mqtt.js';
export * from './orders.js';
export * from './password-resets.js';
export * from './rows.js';
export * from './security.js';
export * from './smtp.js';
export * from './telemetry.js';
export * from './tenants.js';
export * from './timeouts.js';
export * from './webhooks.js';
