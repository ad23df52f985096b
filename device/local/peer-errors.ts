/** The typed failure a peer reports when the host answers `join` with a `refusal` [FW-14.2]. */
import { FairwayError } from '../../sdk/errors.js';

export class HostRefusedError extends FairwayError {
  constructor(
    /** The refusal code: seats-full, licence-expired, refused, … */
    readonly code: string,
    message: string,
  ) {
    super('invalid-argument', `the host refused (${code}): ${message}`);
  }
}
