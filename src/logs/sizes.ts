/**
 * How many entries each CHF log holds. GBCS logs are fixed-size circular buffers: when one is full
 * the oldest entry is overwritten. 100 each is the figure SMETS2 and CHTS use as the minimum a
 * Device's Event Log and Security Log must hold; an ECS35c/ECS35d response with 100 entries of
 * ~8 bytes stays well inside one GBCS message.
 */
export const CHF_LOG_SIZES = {
  eventLog: 100,
  securityLog: 100,
} as const;
