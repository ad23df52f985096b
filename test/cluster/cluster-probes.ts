/**
 * What an attacker or a confused terminal sends straight to each node of a cluster, past the
 * balancer: the same captured CONNECT credential to every node at once, wrong passwords
 * spread over the nodes, a charged receipt sent again byte for byte. Each returns what every
 * node answered; the proof decides what is right.
 */
import type { NodeSigner } from '../../device/ports/node/index.js';
import { credentialArtefact } from '../../sdk/receipt/index.js';
import { decodeMessage, type DownMessage } from '../../sdk/wire/index.js';
import { connectPacket, openRaw, rawConnack } from '../broker/server/support/raw-mqtt.js';
import { crypto, utf8 } from '../support/keys.js';
import { TestTerminal } from '../support/terminal-client.js';

export interface NodeAddress {
  id: string;
  port: number;
}

/**
 * Signs one credential, then sends a CONNECT carrying exactly those bytes to every node at
 * the same moment: a captured credential replayed cluster-wide. Returns each node's CONNACK
 * return code (0: accepted).
 */
export async function replayCredential(nodes: readonly NodeAddress[], deviceId: string, signer: NodeSigner): Promise<{ node: string; code: number }[]> {
  const credential = await credentialArtefact.sign({ v: 1, device: deviceId, time: Date.now(), nonce: crypto.randomBytes(16) }, signer, utf8(deviceId));
  const packet = connectPacket(deviceId, deviceId, credential);
  const connections = await Promise.all(nodes.map((n) => openRaw(n.port)));
  try {
    const codes = await Promise.all(connections.map((c) => rawConnack(c, packet, 10_000)));
    return nodes.map((n, i) => ({ node: n.id, code: codes[i]! }));
  } finally {
    for (const c of connections) c.socket.destroy();
  }
}

export type LoginAnswer = { node: string; answer: string };

/**
 * One probe device per node, all enrolled to `user`, each connected straight to its node;
 * then `attempts` wrong passwords, one after another, going round the nodes. Returns each
 * answer as `refusal:<code>` or `error:<code>`.
 */
export async function wrongPasswords(nodes: readonly NodeAddress[], devices: readonly { deviceId: string; signer: NodeSigner }[], user: string, attempts: number): Promise<LoginAnswer[]> {
  const clients = await Promise.all(nodes.map((n, i) => TestTerminal.connect(n.port, devices[i]!.deviceId, devices[i]!.signer)));
  try {
    const answers: LoginAnswer[] = [];
    for (let i = 0; i < attempts; i++) {
      const at = i % nodes.length;
      const reply = await clients[at]!.request({ t: 'login', user, password: `wrong-${i}` });
      answers.push({ node: nodes[at]!.id, answer: answerOf(reply) });
    }
    return answers;
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}

/**
 * Logs in as the terminal on each node in turn (one connection at a time: a second one with
 * the same client id would take the first over) and sends the receipt's exact bytes under
 * their own rid. Returns each node's answer.
 */
export async function resendReceipt(
  nodes: readonly NodeAddress[],
  terminal: { deviceId: string; user: string; password: string; signer: NodeSigner },
  receiptBytes: Uint8Array,
): Promise<{ node: string; reply: DownMessage }[]> {
  const message = decodeMessage(receiptBytes, { direction: 'up', expect: 'receipt' });
  if (message.t !== 'receipt') throw new Error(`not a receipt: ${message.t}`);
  const { rid } = message;
  const replies: { node: string; reply: DownMessage }[] = [];
  for (const node of nodes) {
    const client = await TestTerminal.connect(node.port, terminal.deviceId, terminal.signer);
    try {
      const login = await client.request({ t: 'login', user: terminal.user, password: terminal.password });
      if (login.t !== 'login.ok') throw new Error(`${terminal.deviceId} could not log in on ${node.id}: ${answerOf(login)}`);
      replies.push({ node: node.id, reply: await client.requestRaw('receipt', rid, receiptBytes) });
    } finally {
      await client.close();
    }
  }
  return replies;
}

export function answerOf(reply: DownMessage): string {
  if (reply.t === 'refusal' || reply.t === 'error') return `${reply.t}:${reply.code}`;
  return reply.t;
}
