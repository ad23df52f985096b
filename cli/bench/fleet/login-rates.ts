/**
 * What a login costs the store, with production's password parameters [issue 12 §1, §3]:
 * terminals whose users' passwords are hashed with scrypt N=2^15 (fleet-data.ts) connect,
 * then all log in with their password at once (`concurrency` in progress), asking for a
 * resumption ticket; they disconnect, connect again and all log in with their ticket. The
 * figures are logins per second of each kind, from the first request to the last answer —
 * connecting is not timed. The fleet's own `login_per_s` uses the fast test parameters, and
 * says so; this is the figure a store restart meets.
 */
import { BenchTerminal, type FleetDevice, type TerminalDeps } from './bench-terminal.js';
import { runLimited } from './limited.js';

export interface LoginRates {
  passwordPerS: number;
  resumePerS: number;
  /** Terminals that could not connect or log in, either round. */
  failures: number;
}

export async function measureLoginRates(deps: TerminalDeps, devices: FleetDevice[], concurrency: number): Promise<LoginRates> {
  let failures = 0;
  const connectAll = async (): Promise<BenchTerminal[]> => {
    const terminals: BenchTerminal[] = [];
    await runLimited(devices, concurrency, Number.POSITIVE_INFINITY, async (device) => {
      try {
        terminals.push(await BenchTerminal.connect(device, deps));
      } catch {
        failures++;
      }
    });
    return terminals;
  };
  const timed = async (terminals: BenchTerminal[], login: (t: BenchTerminal) => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    let done = 0;
    await runLimited(terminals, concurrency, Number.POSITIVE_INFINITY, async (t) => {
      try {
        await login(t);
        done++;
      } catch {
        failures++;
      }
    });
    return (done * 1000) / (performance.now() - started);
  };

  const tickets = new Map<string, Uint8Array>();
  let first: BenchTerminal[] = [];
  let second: BenchTerminal[] = [];
  try {
    first = await connectAll();
    const passwordPerS = await timed(first, async (t) => {
      const ticket = await t.login({ wantTicket: true });
      if (ticket) tickets.set(t.device.deviceId, ticket);
    });
    await Promise.all(first.splice(0).map((t) => t.close()));
    second = await connectAll();
    const resumePerS = await timed(second, async (t) => {
      const ticket = tickets.get(t.device.deviceId);
      if (!ticket) throw new Error(`${t.device.deviceId} has no ticket`);
      await t.resume(ticket);
    });
    return { passwordPerS, resumePerS, failures };
  } finally {
    await Promise.all([...first, ...second].map((t) => t.close().catch(() => undefined)));
  }
}
