/** Host mode on the terminal [FW-13, FW-14]: the host's session, the peer's session, and their parts. */
export { HostSession, DEFAULT_HOST_WINDOW_MAX, type HostSessionOptions, type HostEndReason } from './host-session.js';
export type { HostEvents } from './host-context.js';
export { PeerSession, type PeerSessionOptions, type PeerReception, type PeerEndReason, type PeerState, type PeerEvents } from './peer-session.js';
export { HostRefusedError } from './peer-errors.js';
export { verifyJoined, type VerifiedSession } from './peer-verify.js';
export { NoticeStore, noticeBlobName, type KeptNotice, type NoticeRef } from './notice-store.js';
export { SeatTable, type SeatClaim } from './seat-table.js';
export { cleanupHostedParts, readHostedRecord, HOSTED_RECORD_BLOB, type HostedRecord } from './hosted-record.js';
export { FramedConnection, type ReadEnd } from './framed-connection.js';
export { HostMode, LicenceRefusedError, type Hosting, type HostOptions, type HostModeDeps } from './host-mode.js';
