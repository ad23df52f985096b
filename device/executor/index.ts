/** The part executor contract a vendor implements, and the portable helpers around it. */
export type { Executor, PartImage, PlayOutcome, PlayRequest, ResultValue, Results } from './executor.js';
export { checkResults, RESULT_KEY_PATTERN, RESULTS_MAX_KEYS, RESULT_TEXT_MAX_BYTES, RESULT_INT_MIN, RESULT_INT_MAX } from './results.js';
export { ExecutorError, type ExecutorFailure } from './executor-error.js';
export { bytesPartImage, type PartIdentity } from './bytes-part-image.js';
