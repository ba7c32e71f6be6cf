import type { Eui64 } from '../../hal/radio.js';
import type { QueueOutcome, QueueSettlement } from './sleepy-queue.js';

// What the relay needs from the layers around it and what it reports, apart from the relay itself,
// so its inbound half can name them without importing the relay.
/** Whether a Device may use the HAN: in the CHF Device Log (HanAdmission satisfies it). */
export interface AdmissionCheck {
  isAdmitted(eui64: Eui64): boolean | Promise<boolean>;
}

/** Whether a Device sleeps (the GSME), so that messages to it wait in the queue; whether it may only receive (a Type 2 Device). */
export interface DeviceKinds {
  isSleepy(eui64: Eui64): boolean | Promise<boolean>;
  isReceiveOnly?(eui64: Eui64): boolean | Promise<boolean>;
}

/** Where the relay records a receive-only Device that tried to send (the Security Log, by alias). */
export interface RelaySecuritySink {
  record(code: 'RECEIVE_ONLY_DEVICE_SENT', detail: { eui64: Eui64; reason: string }): void | Promise<void>;
}

/** Every way a relay can end, with what it means to the caller. */
export const RELAY_STATUS = {
  DELIVERED: 'the Device acknowledged the transfer carrying the message',
  QUEUED: 'held for the sleepy Device until it wakes and asks for it; the outcome follows',
  NOT_ADMITTED: 'the Device is not in the CHF Device Log; nothing was sent',
  TOO_LARGE: 'the message does not fit one tunnel transfer; nothing was sent',
  EXPIRED: 'the message expired before it could be sent; nothing was sent',
  QUEUE_FULL: 'the sleepy Device already has as many messages waiting as the hub holds; nothing was queued',
  UNREACHABLE: 'the Device did not acknowledge the tunnel request or the transfer',
  TUNNEL_REFUSED: 'the Device refused the tunnel request',
} as const;
export type RelayStatus = keyof typeof RELAY_STATUS;

export interface DeliveryReport {
  eui64: Eui64;
  status: RelayStatus;
  detail?: string;
  /** QUEUED only: the queue's id for the message, also carried by the `queueSettled` event. */
  messageId?: string;
  /** QUEUED only: DELIVERED, EXPIRED or REMOVED while this process lives (STILL_QUEUED if the relay stops first). */
  outcome?: Promise<QueueSettlement>;
}

export interface RelayEvents {
  /** A GBCS message a Device sent over its tunnel (a response or an alert), header removed. */
  message: [message: { eui64: Eui64; gbcsBytes: Buffer }];
  /** A Device acknowledged a GBCS message the hub sent it at once (a mains Device; the GSME's come as `queueSettled`). */
  delivered: [delivery: { eui64: Eui64 }];
  /** The final outcome of a queued message, by id, including messages queued before a restart. */
  queueSettled: [outcome: QueueOutcome];
  /** Tunnel traffic the relay dropped: from a Device not admitted, or unreadable. */
  refused: [refusal: { eui64: Eui64; reason: string }];
  /** A Device reported a TransferDataError on one of the hub's tunnels. */
  transferError: [error: { eui64: Eui64; tunnelId: number; status: string }];
  /** Work the relay started on its own (answering a Device) failed. */
  failed: [failure: { doing: string; eui64: Eui64; error: Error }];
}
