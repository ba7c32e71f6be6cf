import type { Clock, Timer } from '../../hal/clock.js';
import type { DeliveryOutcome, Eui64 } from '../../hal/radio.js';
import { GBCS_TUNNEL, TUNNEL_STATUS, tunnelStatusName, type TunnelCommand, type TunnelFrame } from '../../hal/tunnel/protocol.js';

/**
 * The hub's tunnels, both kinds GBCS uses. The hub is the client of a tunnel it requests to a
 * mains-powered Device (ESME, HCALCS, PPMID: GBCS asks the CHF to open those), and the server of a
 * tunnel a Device requests to it (the GSME, when it wakes; a mains Device with an alert and no
 * tunnel of the hub's to use). The hub keeps one client tunnel per Device; a tunnel the Device says
 * it no longer knows is forgotten and requested again on the next send. A Device may open several
 * tunnels to the hub (one per alert, back to back, each still to carry its data): the hub keeps up
 * to MAX_SERVER_TUNNELS_PER_DEVICE of them, dropping that Device's least recently used beyond
 * that, so one Device can never push out another's.
 */
export interface ClientTunnel {
  eui64: Eui64;
  tunnelId: number;
  /** The largest TransferData the Device accepts: what it answered, never above GBCS's 1500. */
  maxTransferSize: number;
  endpoint: number;
}

export interface ServerTunnel {
  eui64: Eui64;
  tunnelId: number;
  endpoint: number;
}

export type OpenResult =
  | { open: true; tunnel: ClientTunnel }
  | { open: false; status: 'UNREACHABLE' | 'TUNNEL_REFUSED'; detail: string };

export interface TunnelSender {
  /** Send one Tunneling cluster frame to `eui64`'s `endpoint`; resolves with the radio's outcome. */
  send(eui64: Eui64, endpoint: number, frame: Omit<TunnelFrame, 'sequence'> & { sequence?: number }): Promise<DeliveryOutcome>;
  nextSequence(): number;
}

interface Pending {
  sequence: number;
  endpoint: number;
  resolve: (result: OpenResult) => void;
  timer: Timer | undefined;
  promise: Promise<OpenResult>;
}

const FIRST_SERVER_TUNNEL_ID = 1;
/** Tunnels one Device may hold open to the hub at once (the ZCL Tunneling server's table, per Device). */
export const MAX_SERVER_TUNNELS_PER_DEVICE = 128;

export class HubTunnels {
  private readonly client = new Map<Eui64, ClientTunnel>();
  private readonly pending = new Map<Eui64, Pending>();
  private readonly server = new Map<number, ServerTunnel>();
  private nextServerId = FIRST_SERVER_TUNNEL_ID;

  constructor(
    private readonly sender: TunnelSender,
    private readonly clock: Clock,
    private readonly responseTimeoutMs: number,
  ) {}

  /** The open client tunnel to `eui64`, or a new one requested now (concurrent callers share one request). */
  openTo(eui64: Eui64, endpoint: number): Promise<OpenResult> {
    const open = this.client.get(eui64);
    if (open) return Promise.resolve({ open: true, tunnel: open });
    const waiting = this.pending.get(eui64);
    if (waiting) return waiting.promise;
    let resolve!: (result: OpenResult) => void;
    const promise = new Promise<OpenResult>((r) => (resolve = r));
    const pending: Pending = { sequence: this.sender.nextSequence(), endpoint, resolve, timer: undefined, promise };
    this.pending.set(eui64, pending);
    // Registered before sending: the response can overtake the radio's delivery report.
    pending.timer = this.clock.setTimeout(
      () => this.finish(eui64, { open: false, status: 'UNREACHABLE', detail: `no RequestTunnelResponse within ${this.responseTimeoutMs} ms` }),
      this.responseTimeoutMs,
    );
    const request: TunnelCommand = { kind: 'requestTunnel', ...GBCS_TUNNEL };
    this.sender.send(eui64, endpoint, { sequence: pending.sequence, direction: 'clientToServer', command: request }).then(
      (outcome) => {
        if (!outcome.delivered) this.finish(eui64, { open: false, status: 'UNREACHABLE', detail: `RequestTunnel not delivered: ${outcome.reason}${outcome.detail ? ` (${outcome.detail})` : ''}` });
      },
      (error: unknown) => this.finish(eui64, { open: false, status: 'UNREACHABLE', detail: `RequestTunnel not sent: ${(error as Error).message}` }),
    );
    return promise;
  }

  /** A RequestTunnelResponse arrived; true when it answered our request. */
  responded(eui64: Eui64, sequence: number, response: Extract<TunnelCommand, { kind: 'requestTunnelResponse' }>): boolean {
    const pending = this.pending.get(eui64);
    if (!pending || pending.sequence !== sequence) return false;
    if (response.status !== TUNNEL_STATUS.success) {
      this.finish(eui64, { open: false, status: 'TUNNEL_REFUSED', detail: `the Device answered ${tunnelStatusName(response.status)}` });
      return true;
    }
    const tunnel: ClientTunnel = {
      eui64,
      tunnelId: response.tunnelId,
      maxTransferSize: Math.min(response.maxIncomingTransferSize, GBCS_TUNNEL.maxIncomingTransferSize),
      endpoint: pending.endpoint,
    };
    this.client.set(eui64, tunnel);
    this.finish(eui64, { open: true, tunnel });
    return true;
  }

  clientTunnel(eui64: Eui64): ClientTunnel | undefined {
    return this.client.get(eui64);
  }

  /** A Device requested a tunnel to the hub; its least recently used one goes when it holds too many. */
  accept(eui64: Eui64, endpoint: number): ServerTunnel {
    const own = [...this.server.values()].filter((tunnel) => tunnel.eui64 === eui64);
    for (const old of own.slice(0, Math.max(0, own.length - MAX_SERVER_TUNNELS_PER_DEVICE + 1))) this.server.delete(old.tunnelId);
    const tunnelId = this.allocateServerId();
    const tunnel = { eui64, tunnelId, endpoint };
    this.server.set(tunnelId, tunnel);
    return tunnel;
  }

  /** The tunnel, now counted as the most recently used. */
  serverTunnel(tunnelId: number): ServerTunnel | undefined {
    const tunnel = this.server.get(tunnelId);
    if (tunnel) {
      // A Map keeps insertion order: moving the tunnel to the end keeps the least recently used first.
      this.server.delete(tunnelId);
      this.server.set(tunnelId, tunnel);
    }
    return tunnel;
  }

  closeServer(tunnelId: number): void {
    this.server.delete(tunnelId);
  }

  /** Forget the hub's client tunnel to `eui64` (the Device lost it, closed it, left or rejoined). */
  forgetClient(eui64: Eui64): void {
    this.client.delete(eui64);
  }

  /** Forget everything about `eui64` (it left the network or the Device Log). */
  forget(eui64: Eui64): void {
    this.client.delete(eui64);
    for (const [id, tunnel] of this.server) if (tunnel.eui64 === eui64) this.server.delete(id);
  }

  stop(): void {
    for (const eui64 of [...this.pending.keys()]) this.finish(eui64, { open: false, status: 'UNREACHABLE', detail: 'the relay stopped' });
    this.client.clear();
    this.server.clear();
  }

  private finish(eui64: Eui64, result: OpenResult): void {
    const pending = this.pending.get(eui64);
    if (!pending) return;
    this.pending.delete(eui64);
    pending.timer?.cancel();
    pending.resolve(result);
  }

  private allocateServerId(): number {
    // 16-bit ids, skipping any still in use after wrapping.
    for (;;) {
      const id = this.nextServerId;
      this.nextServerId = id >= 0xffff ? FIRST_SERVER_TUNNEL_ID : id + 1;
      if (!this.server.has(id)) return id;
    }
  }
}
