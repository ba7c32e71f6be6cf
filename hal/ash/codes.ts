/**
 * Reset and error codes carried in RSTACK and ERROR frames (UG101 §3, "Reset and Error Codes").
 * Chips may report more reset causes; those arrive as their own code plus 0x80.
 */
export const ResetCode = {
  UNKNOWN_REASON: 0x00,
  EXTERNAL: 0x01,
  POWER_ON: 0x02,
  WATCHDOG: 0x03,
  ASSERT: 0x06,
  BOOTLOADER: 0x09,
  SOFTWARE: 0x0b,
  EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT: 0x51,
  CHIP_SPECIFIC: 0x80,
} as const;

export type ResetCodeName = keyof typeof ResetCode;

const descriptions: ReadonlyMap<number, string> = new Map([
  [ResetCode.UNKNOWN_REASON, 'reset: unknown reason'],
  [ResetCode.EXTERNAL, 'reset: external'],
  [ResetCode.POWER_ON, 'reset: power-on'],
  [ResetCode.WATCHDOG, 'reset: watchdog'],
  [ResetCode.ASSERT, 'reset: assert'],
  [ResetCode.BOOTLOADER, 'reset: boot loader'],
  [ResetCode.SOFTWARE, 'reset: software'],
  [ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT, 'error: exceeded maximum ACK timeout count'],
]);

/** A human-readable name for a reset or error code, for logs and error messages. */
export function describeResetCode(code: number): string {
  const known = descriptions.get(code);
  if (known) return known;
  if (code >= ResetCode.CHIP_SPECIFIC) return `chip-specific reset 0x${(code - ResetCode.CHIP_SPECIFIC).toString(16)}`;
  return `unknown code 0x${code.toString(16).padStart(2, '0')}`;
}
