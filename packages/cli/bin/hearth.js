#!/usr/bin/env node
// The hearth command. The CLI is TypeScript run without a build step, like the server: tsx
// compiles it as it loads. `npm run hearth -- <args>` from the repository does the same.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
