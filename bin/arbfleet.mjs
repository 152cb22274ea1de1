#!/usr/bin/env node
// The `arbfleet` command: loads the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../cli/arbfleet.ts');
