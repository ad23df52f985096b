/**
 * The Eclipse Mosquitto command-line clients as an independent MQTT 3.1.1 implementation
 * (C, libmosquitto) talking to the broker. They can only send a text password, so the
 * credential goes as base64url text. Installed by .ci/setup-mosquitto.sh.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';

export function hasMosquittoClients(): boolean {
  return ['mosquitto_pub', 'mosquitto_sub'].every((bin) => spawnSync(bin, ['--help'], { stdio: 'ignore' }).error === undefined);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Common arguments: this broker, MQTT 3.1.1, client id = user name = device id, text credential. */
export function deviceArgs(port: number, deviceId: string, textCredential: string): string[] {
  return ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-i', deviceId, '-u', deviceId, '-P', textCredential];
}

export function run(bin: 'mosquitto_pub' | 'mosquitto_sub', args: string[], timeoutMs = 8000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts mosquitto_sub and resolves once `ready()` holds (the caller watches the broker's
 * log for the granted subscription: mosquitto_sub's own output is block-buffered on a pipe
 * and only appears when it exits). stop() ends it with SIGTERM, which it handles cleanly.
 */
export async function startSubscriber(
  args: string[],
  ready: () => boolean,
  timeoutMs = 8000,
): Promise<{ output: Promise<RunResult>; stop(): Promise<RunResult> }> {
  const child = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill(), timeoutMs);
  let ended = false;
  const output = new Promise<RunResult>((resolve) =>
    child.once('close', (code) => {
      ended = true;
      clearTimeout(killer);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (ended || Date.now() > deadline) throw new Error(`mosquitto_sub not subscribed: ${stdout} ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    output,
    stop: () => {
      child.kill('SIGTERM');
      return output;
    },
  };
}
