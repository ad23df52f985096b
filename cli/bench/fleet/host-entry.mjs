// Entry of the fleet bench's broker host process: tsx's loader runs the TypeScript directly,
// as bin/fairway.js does for the CLI, so the fork needs no build step and no --import flag.
import { register } from 'tsx/esm/api';

register();
await import('./broker-host.ts');
