#!/usr/bin/env node
// The `fairway` command. The sources are TypeScript; tsx's loader runs them directly so that
// `npx fairway …` works from a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
