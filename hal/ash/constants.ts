/**
 * The numbers of the ASH protocol (Silicon Labs UG101, "UART Gateway Protocol Reference"), as data.
 * Frame layouts and the control-byte bit fields are in `frame.ts`; reset and error codes in `codes.ts`.
 */

/** Bytes with a special meaning on the wire; inside a frame they are always escaped. */
export const ReservedByte = {
  FLAG: 0x7e,
  ESCAPE: 0x7d,
  XON: 0x11,
  XOFF: 0x13,
  SUBSTITUTE: 0x18,
  CANCEL: 0x1a,
} as const;

/** Between frames an NCP may send this to wake the host; it carries no frame data. */
export const WAKE_BYTE = 0xff;
/** An escaped byte is sent with this bit flipped. */
export const ESCAPE_FLIP = 0x20;

/** The ASH version carried in RSTACK and ERROR frames. */
export const ASH_VERSION = 2;

/** Bytes of CRC at the end of every frame (CRC-CCITT, big-endian). */
export const CRC_LENGTH = 2;
/** An EZSP frame (the DATA frame's data field) is at least frame control + sequence + frame id. */
export const MIN_DATA_LENGTH = 3;
/** UG101 §2.1: the DATA field is 3–128 bytes. Longer EZSP frames are refused with ASH_FRAME_TOO_LONG. */
export const MAX_DATA_LENGTH = 128;

/** First value of the pseudo-random sequence XOR-ed over DATA fields (UG101 §4.3). */
export const LFSR_SEED = 0x42;
/** Fed back into the sequence register whenever the bit shifted out is 1. */
export const LFSR_FEEDBACK = 0xb8;

/**
 * Link timing and window. The ACK timer numbers are UG101 §7's; the window is what EmberZNet hosts
 * use (ash-host's txK = 3; UG101 gives 5 for the NCP's own window, which a host must not exceed).
 */
export const LinkDefaults = {
  /** DATA frames in flight without an ACK (TX_K). */
  window: 3,
  /** Initial, minimum and maximum of the adaptive ACK timeout t_rx_ack, in ms. */
  ackTimeInitMs: 1600,
  ackTimeMinMs: 400,
  ackTimeMaxMs: 3200,
  /** Consecutive ACK timeouts after which the link is declared failed (ACK_TIMEOUTS). */
  ackTimeouts: 4,
  /** How long the host waits for RSTACK after each RST, and how many RSTs it sends. */
  resetTimeoutMs: 5000,
  resetAttempts: 3,
  /** After an ACK/NAK with nRdy set, the peer counts as not ready for this long (T_REMOTE_NOTRDY). */
  remoteNotReadyMs: 1000,
  /**
   * Not UG101's: how long the line may be quiet inside a frame before the frame counts as lost. A
   * sender writes a frame in one go; at 115200 baud the longest takes 23 ms, and a USB-serial adapter
   * may hold bytes for 16 ms. Far below t_rx_ack, which is what recovers such a frame otherwise.
   */
  partialFrameTimeoutMs: 50,
} as const;
