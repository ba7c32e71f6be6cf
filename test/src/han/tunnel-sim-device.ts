import type { Simulator } from '../../../hal/sim/simulator.js';
import type { SimTunnelEnd } from '../../../hal/sim/tunnel-end.js';
import type { TunnelData } from '../../../hal/tunnel/header.js';
import { TUNNEL_STATUS, type TunnelFrame } from '../../../hal/tunnel/protocol.js';

/**
 * The GBCS tunnel end of a simulated Device, in the shape tests outside the relay's own grew up
 * with: a thin view of the simulator's own tunnel end (hal/sim/tunnel-end.ts), which now answers
 * the hub's RequestTunnel, records TransferData and, for the GSME, collects with GET on waking.
 */
export interface AgentOptions {
  /** What to answer the hub's RequestTunnel with (default success). */
  tunnelStatus?: number;
  /** Whether to answer the hub's RequestTunnel at all (default true). */
  answerTunnelRequests?: boolean;
}

export class SimTunnelAgent {
  private readonly end: SimTunnelEnd;

  constructor(
    sim: Simulator,
    readonly eui64: string,
    options: AgentOptions = {},
  ) {
    this.end = sim.tunnelEnd(eui64);
    this.end.configure({ requestStatus: options.answerTunnelRequests === false ? null : (options.tunnelStatus ?? TUNNEL_STATUS.success) });
  }

  /** Every frame the hub sent this Device, decoded. */
  get frames(): TunnelFrame[] {
    return this.end.frames;
  }

  /** GBCS messages the hub delivered over its tunnel to this Device. */
  get delivered(): Buffer[] {
    return this.end.received.map((m) => m.gbcs);
  }

  detach(): void {
    // The simulator's tunnel end lives as long as the simulator.
  }

  send(frame: TunnelFrame, options: { wake?: boolean } = {}): void {
    this.end.sendFrame(frame, options);
  }

  async next(match: (frame: TunnelFrame) => boolean): Promise<TunnelFrame> {
    return (await this.end.next(match, null))!;
  }

  collect(): Promise<Buffer[]> {
    return this.end.collect();
  }

  get(tunnelId: number): Promise<TunnelData> {
    return this.end.get(tunnelId);
  }
}
