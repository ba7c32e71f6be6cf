/** GB hubs number the GPF after the CHF: the radio's EUI-64 plus one, unless the config says otherwise. */
export function gpfEui64(chf: string, configured?: string): string {
  if (configured) return configured.toUpperCase();
  return ((BigInt(`0x${chf}`) + 1n) & 0xffff_ffff_ffff_ffffn).toString(16).toUpperCase().padStart(16, '0');
}
