#!/usr/bin/env node
// `npx doorcx …` from a checkout: run the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
