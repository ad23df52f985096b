export * from './algorithms.js';
export { signCoseSign1, verifyCoseSign1, parseCoseSign1, sigStructure1, type Sign1Input, type ParsedSign1 } from './sign1.js';
export { verifyCoseSignSigner } from './sign.js';
export type { HeaderMap } from './structure.js';
