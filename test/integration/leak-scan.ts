import { linkKeyFromInstallCode, withInstallCodeCrc } from '../../hal/install-code.js';

/**
 * What a planted personal value looks like wherever it might turn up: as text (decimal, hex in
 * either case, with or without separators, the decimal list JSON makes of a Buffer, base64) and as
 * the bytes a codec would write. Binary forms shorter than FILE_SAFE_BYTES are looked for in output
 * and messages only: a store's ciphertext and compressed tables would hold a 3- or 4-byte run by
 * chance often enough to make the test fail for nothing.
 */
export interface Needle {
  /** What was planted and in which form, e.g. "install code (WAN) hex upper". */
  label: string;
  bytes: Buffer;
  /** Whether to look for it in files on disk too. */
  inFiles: boolean;
}

export interface Finding {
  label: string;
  where: string;
  at: number;
}

const FILE_SAFE_BYTES = 5;

function text(label: string, value: string): Needle {
  return { label, bytes: Buffer.from(value, 'utf8'), inFiles: true };
}

function binary(label: string, bytes: Buffer): Needle {
  return { label, bytes, inFiles: bytes.length >= FILE_SAFE_BYTES };
}

/** Hex with a separator between octets, as people and some log formatters write keys. */
function separated(bytes: Buffer, separator: string): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(separator);
}

/** Every form of a byte string: raw, hex both cases and separated, JSON's Buffer list, base64. */
export function bytesForms(label: string, bytes: Buffer): Needle[] {
  return [
    binary(`${label} raw`, bytes),
    text(`${label} hex lower`, bytes.toString('hex')),
    text(`${label} hex upper`, bytes.toString('hex').toUpperCase()),
    text(`${label} hex with colons`, separated(bytes, ':')),
    text(`${label} hex with dashes`, separated(bytes, '-')),
    text(`${label} hex with spaces`, separated(bytes, ' ')),
    text(`${label} as a JSON Buffer`, [...bytes].join(',')),
    text(`${label} base64`, bytes.toString('base64')),
  ];
}

/** An install code as the hub may hold it: bare, with its CRC, and the link key derived from it. */
export function installCodeForms(label: string, bare: Buffer): Needle[] {
  const withCrc = withInstallCodeCrc(bare);
  return [
    ...bytesForms(`${label}`, bare),
    ...bytesForms(`${label} with CRC`, withCrc),
    ...bytesForms(`${label} derived link key`, linkKeyFromInstallCode(withCrc)),
  ];
}

/** An integer as text (decimal, hex) and as big- and little-endian unsigned bytes of the given widths. */
export function integerForms(label: string, value: bigint, widths: readonly number[]): Needle[] {
  const hex = value.toString(16);
  const needles = [text(`${label} decimal`, value.toString()), text(`${label} hex lower`, hex), text(`${label} hex upper`, hex.toUpperCase())];
  for (const width of widths) {
    const bytes = Buffer.alloc(width);
    let rest = value;
    for (let i = width - 1; i >= 0; i--, rest >>= 8n) bytes[i] = Number(rest & 0xffn);
    needles.push(binary(`${label} uint${width * 8} big-endian`, bytes), binary(`${label} uint${width * 8} little-endian`, Buffer.from(bytes).reverse()));
  }
  return needles;
}

/** Every place a needle occurs in a haystack (a file, an output stream, a message). */
export function scan(where: string, haystack: Buffer, needles: readonly Needle[], file = false): Finding[] {
  const findings: Finding[] = [];
  for (const needle of needles) {
    if (file && !needle.inFiles) continue;
    for (let at = haystack.indexOf(needle.bytes); at >= 0; at = haystack.indexOf(needle.bytes, at + 1)) findings.push({ label: needle.label, where, at });
  }
  return findings;
}
