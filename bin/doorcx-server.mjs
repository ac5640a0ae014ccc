#!/usr/bin/env node
// `npx doorcx-server …` from a checkout: the sync server and its office commands, through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../server/main.ts');
