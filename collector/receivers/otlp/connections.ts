/**
 * Caps the connections of a listening server, in total and per client address. Every
 * connection holds a file descriptor and some memory whether or not it ever sends a request,
 * so without a cap one client opening idle connections exhausts the process's descriptors
 * and every other client (and the API, and storage) fails. Excess connections are closed as
 * they are accepted, counted, and logged without a line each.
 */
import type { Server, Socket } from 'node:net';
import type { Transport } from '../../consumer.js';
import type { Metrics } from '../../metrics.js';
import type { RefusalLog } from './refusals.js';

export interface ConnectionLimits {
  /** Connections open at once; 0: no limit. */
  maxConnections: number;
  /** Connections open at once from one client address; 0: no limit. */
  maxPerAddress: number;
  /** The config keys, for the log. */
  keys: { total: string; perAddress: string };
}

export class ConnectionGate {
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly transport: Transport,
    private readonly refusals: RefusalLog,
    private readonly metrics?: Metrics,
  ) {}

  /**
   * Watches `server`'s connections. The check runs before the server's own connection
   * listeners; they see a refused socket already destroyed (see `admitted`).
   */
  attach(server: Server): void {
    // Node refuses past maxConnections itself, before a socket is made.
    if (this.limits.maxConnections > 0) server.maxConnections = this.limits.maxConnections;
    server.on('drop', () => this.refuse('connections_total', `over ${this.limits.keys.total} (${this.limits.maxConnections}) connections`));
    server.prependListener('connection', (socket: Socket) => this.check(socket));
  }

  /** Whether a socket passed the check (it is destroyed otherwise). */
  admitted(socket: Socket): boolean {
    return !socket.destroyed;
  }

  /** Open connections per client address (for tests and debugging). */
  get open(): ReadonlyMap<string, number> {
    return this.perAddress;
  }

  private check(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const n = (this.perAddress.get(address) ?? 0) + 1;
    if (this.limits.maxPerAddress > 0 && n > this.limits.maxPerAddress) {
      socket.destroy();
      this.refuse('connections_per_address', `${address} is over ${this.limits.keys.perAddress} (${this.limits.maxPerAddress}) connections`);
      return;
    }
    this.perAddress.set(address, n);
    socket.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
  }

  private refuse(reason: string, message: string): void {
    this.metrics?.refusedConnections.inc({ transport: this.transport, reason });
    this.refusals.note(reason, `connection closed: ${message}`);
  }
}
