/**
 * A TCP relay in front of the test PostgreSQL server, so a test can take the database away
 * from one store while the others keep theirs: `down` cuts every connection and refuses new
 * ones; `cut-content` cuts any connection the moment it sends a query naming `part_content`
 * (the wire protocol carries SQL text in the clear on loopback), so the ledger still answers
 * but part content cannot be read — a connection lost in the middle of a content read.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'down' | 'cut-content';

export class PgProxy {
  mode: ProxyMode = 'pass';
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<PgProxy> {
    let proxy: PgProxy | undefined;
    const server = createServer((client) => proxy!.relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new PgProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** `url` pointed at this relay instead of the server. */
  urlFor(url: string): string {
    const relayed = new URL(url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(this.port);
    return relayed.toString();
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'down') this.cutAll();
  }

  private relay(client: Socket, target: { host: string; port: number }): void {
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    const server = connect(target.port, target.host);
    this.sockets.add(client).add(server);
    const cut = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('data', (data: Buffer) => {
      if (this.mode === 'down' || (this.mode === 'cut-content' && data.includes('part_content'))) return cut();
      server.write(data);
    });
    server.on('data', (data: Buffer) => client.write(data));
    client.on('close', cut).on('error', cut);
    server.on('close', cut).on('error', cut);
  }

  private cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
