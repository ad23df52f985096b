/**
 * Everything one cluster node logged, across its restarts, as parsed pino lines — what a
 * cluster test asserts on ("no tick swept twice", "refused a replayed credential") — plus the
 * one thing read from them live: which terminals are connected to the node right now, so a
 * fault test can kill the node that terminals are downloading from.
 *
 * The broker logs `connect accepted` (clientId) when a device's CONNECT is admitted and
 * `device disconnected` (deviceId) when its current connection ends; a takeover by a newer
 * connection of the same device logs no disconnect for the old one, so a set keyed by device
 * id is exactly "connected here now".
 */

export interface LogLine {
  node: string;
  /** 1 for the first process of this node id, 2 after the first restart, … */
  incarnation: number;
  /** pino's level number (30 info, 40 warn, 50 error). Non-JSON output gets 50. */
  level: number;
  msg: string;
  /** The line as printed. */
  raw: string;
  [field: string]: unknown;
}

export class NodeLog {
  readonly lines: LogLine[] = [];
  private readonly connected = new Set<string>();
  private readonly listeners = new Set<(line: LogLine) => void>();

  constructor(readonly node: string) {}

  /** Parses and keeps one stdout line; returns it (undefined for a blank line). */
  add(raw: string, incarnation: number): LogLine | undefined {
    if (raw.trim() === '') return undefined;
    let line: LogLine;
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      line = { ...parsed, node: this.node, incarnation, level: Number(parsed['level'] ?? 30), msg: String(parsed['msg'] ?? ''), raw };
    } catch {
      // A stack trace or a loader warning: kept, and loud.
      line = { node: this.node, incarnation, level: 50, msg: raw, raw };
    }
    this.lines.push(line);
    if (line.msg === 'connect accepted' && line['kind'] === 'device' && typeof line['clientId'] === 'string') this.connected.add(line['clientId']);
    if (line.msg === 'device disconnected' && typeof line['deviceId'] === 'string') this.connected.delete(line['deviceId']);
    for (const listener of this.listeners) listener(line);
    return line;
  }

  /** Devices whose current connection is on this node (as far as its log has said). */
  connectedDevices(): ReadonlySet<string> {
    return this.connected;
  }

  /** The process died: none of its connections survive it. */
  forgetConnections(): void {
    this.connected.clear();
  }

  /** Lines whose message is `msg` (all incarnations). */
  find(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }

  /** Calls `listener` for every line from now on; returns the unsubscribe. */
  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
