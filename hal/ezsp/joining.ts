import type { Clock } from '../clock.js';
import type { Eui64, JoinCredential } from '../radio.js';
import { EmberDeviceUpdate, EmberJoinDecision, EmberKeyStatus, nameOf } from './enums.js';

/**
 * What the trust centre's callbacks mean for the hub. A join is two steps on an EmberZNet trust
 * centre: trustCenterJoinHandler (the device was let in with its pre-configured key, or denied),
 * then zigbeeKeyEstablishmentHandler (the device proved it holds that key and got its own TC link
 * key, or failed to). A device with a wrong install code passes the first step and fails the
 * second, so "joined" is only said after the second.
 */

export type JoinVerdict =
  | { kind: 'none' }
  | { kind: 'left'; eui64: Eui64 }
  | { kind: 'refused'; eui64: Eui64; reason: string; step: JoinStep }
  /** The trust centre let the device in with its pre-configured key; key establishment follows. */
  | { kind: 'heard'; eui64: Eui64; nodeId: number }
  | { kind: 'joined'; eui64: Eui64; nodeId: number };

/** Which of the join's two steps refused it: the trust centre's decision, or key establishment after it. */
export type JoinStep = 'trustCentre' | 'keyEstablishment';

const KEY_SUCCESS: ReadonlySet<number> = new Set([
  EmberKeyStatus.TRUST_CENTER_LINK_KEY_ESTABLISHED,
  EmberKeyStatus.TC_REQUESTER_VERIFY_KEY_SUCCESS,
  EmberKeyStatus.VERIFY_LINK_KEY_SUCCESS,
  EmberKeyStatus.APP_LINK_KEY_ESTABLISHED,
]);

/** Key statuses that only report progress; the verdict comes later. */
const KEY_PROGRESS: ReadonlySet<number> = new Set([
  EmberKeyStatus.STATUS_NONE,
  EmberKeyStatus.TC_RESPONDED_TO_KEY_REQUEST,
  EmberKeyStatus.TC_APP_KEY_SENT_TO_REQUESTER,
]);

export class JoinTracker {
  /** Devices allowed in the current window, and when the window ends (Clock ms). */
  private allowed = new Map<Eui64, JoinCredential>();
  private windowEndsAt = 0;
  /** Devices let in by the trust centre, waiting for key establishment. */
  private readonly awaitingKey = new Map<Eui64, number>();

  constructor(private readonly clock: Clock) {}

  open(devices: JoinCredential[], seconds: number): void {
    this.allowed = new Map(devices.map((d) => [d.eui64, { eui64: d.eui64, linkKey: Buffer.from(d.linkKey) }]));
    this.windowEndsAt = this.clock.now() + seconds * 1000;
  }

  close(): void {
    this.allowed.clear();
    this.windowEndsAt = 0;
  }

  /** The window still open after an NCP reset, to be restored: its devices and remaining seconds. */
  remaining(): { devices: JoinCredential[]; seconds: number } | null {
    const seconds = Math.floor((this.windowEndsAt - this.clock.now()) / 1000);
    if (seconds < 1 || this.allowed.size === 0) return null;
    return { devices: [...this.allowed.values()], seconds: Math.min(seconds, 254) };
  }

  onTrustCenterJoin(eui64: Eui64, nodeId: number, status: number, decision: number): JoinVerdict {
    if (status === EmberDeviceUpdate.DEVICE_LEFT) {
      this.awaitingKey.delete(eui64);
      return { kind: 'left', eui64 };
    }
    if (decision === EmberJoinDecision.DENY_JOIN || decision === EmberJoinDecision.NO_ACTION) {
      const reason = this.allowed.has(eui64) ? 'trust centre denied the join' : 'not allowed to join now';
      return { kind: 'refused', eui64, reason, step: 'trustCentre' };
    }
    if (status === EmberDeviceUpdate.STANDARD_SECURITY_SECURED_REJOIN) return { kind: 'none' };
    this.awaitingKey.set(eui64, nodeId);
    return { kind: 'heard', eui64, nodeId };
  }

  onKeyEstablishment(eui64: Eui64, status: number, knownNodeId: number | undefined): JoinVerdict {
    if (KEY_PROGRESS.has(status)) return { kind: 'none' };
    const nodeId = this.awaitingKey.get(eui64) ?? knownNodeId;
    this.awaitingKey.delete(eui64);
    if (KEY_SUCCESS.has(status)) {
      this.allowed.delete(eui64);
      return nodeId === undefined ? { kind: 'none' } : { kind: 'joined', eui64, nodeId };
    }
    return { kind: 'refused', eui64, reason: `key establishment failed (${nameOf(EmberKeyStatus, status)}): wrong install code?`, step: 'keyEstablishment' };
  }
}
