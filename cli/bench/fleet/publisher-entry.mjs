// Entry of the fleet bench's publisher process: tsx's loader runs the TypeScript directly, as
// host-entry.mjs does for the broker host, so the fork needs no build step and no --import flag.
import { register } from 'tsx/esm/api';

register();
await import('./publisher-host.ts');
