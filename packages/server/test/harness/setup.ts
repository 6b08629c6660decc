import { setPasswordCostForTests } from '../../src/auth/passwords.js';

// Before every test file: argon2 at the test runner's cost (src/auth/passwords.ts), so a login costs
// a millisecond rather than production's ~50 ms of CPU. auth/password-cost.test.ts proves production's.
setPasswordCostForTests('test');
