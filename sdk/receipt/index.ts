export { ReceiptPayload, receiptArtefact, type Receipt } from './receipt.js';
export { CredentialPayload, credentialArtefact, checkCredentialTime, ReplayGuard, type Credential } from './credential.js';
