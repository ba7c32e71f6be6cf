import { HubError } from '../../hal/errors.js';
import { isEui64 } from '../../hal/eui64.js';
import { InstallCodeError, INSTALL_CODE_LENGTHS, parseInstallCode } from '../../hal/install-code.js';
import type { Eui64 } from '../../hal/radio.js';

/**
 * A HAN Device's label as an installer scans or types it: the Device's EUI-64 and its install code
 * (CRC included, checked here, on the spot). Read forms, as printed on Devices' labels and QR codes:
 * - `Z:<EUI-64>$I:<code>`, with other `$`-separated fields anywhere (`$M:`, `$S:`, `$D:`...), and the
 *   EUI-64 given as `Z:`, `Z$A:` or `$A:`;
 * - `<EUI-64>|<code>` (also `;` or `,` between them);
 * - plain hex: the EUI-64's 16 digits then the code's, or the code alone when the EUI-64 is typed beside it.
 * Hex may be in either case, with `-`, `:` or spaces between digits. No error repeats the code.
 */

export const LABEL_FORMATS = ['zigbeeQr', 'separated', 'plainHex', 'typed'] as const;
export type LabelFormat = (typeof LABEL_FORMATS)[number];

export interface PairingLabel {
  eui64: Eui64;
  /** With its CRC, checked. */
  installCode: Buffer;
  format: LabelFormat;
}

export type LabelErrorCode =
  | 'LABEL_EMPTY'
  | 'LABEL_TOO_LONG'
  | 'LABEL_FORMAT'
  | 'LABEL_NO_EUI64'
  | 'LABEL_BAD_EUI64'
  | 'LABEL_NO_INSTALL_CODE'
  | 'LABEL_EUI64_MISMATCH'
  | InstallCodeError['code'];

export class LabelError extends HubError {
  declare readonly code: LabelErrorCode;

  constructor(code: LabelErrorCode, message: string, where = 'label') {
    super(code, message, { where });
  }
}

/** Longer than any label's QR payload: refused before it is looked at. */
export const MAX_LABEL_LENGTH = 512;
const EUI64_DIGITS = 16;
const CODE_DIGITS: readonly number[] = INSTALL_CODE_LENGTHS.map((length) => (length + 2) * 2);
const SEPARATORS = /[\s:-]/g;

/** Read a scanned or typed label; `typedEui64`, when given, is the EUI-64 typed beside a code-only label. */
export function parseLabel(text: string, typedEui64?: string): PairingLabel {
  if (typeof text !== 'string' || text.trim() === '') throw new LabelError('LABEL_EMPTY', 'nothing was scanned or typed');
  if (text.length > MAX_LABEL_LENGTH) throw new LabelError('LABEL_TOO_LONG', `is ${text.length} characters; a label is at most ${MAX_LABEL_LENGTH}`);
  const label = text.trim();
  const typed = typedEui64 === undefined || typedEui64.trim() === '' ? undefined : eui64Of(typedEui64, 'EUI-64');
  const read = /\$I:/i.test(label) ? zigbeeQr(label) : /[|;,]/.test(label) ? separated(label) : plainHex(label, typed !== undefined);
  const eui64 = read.eui64 ?? typed;
  if (!eui64) throw new LabelError('LABEL_NO_EUI64', 'has no EUI-64: scan the whole label, or type the EUI-64 beside the code');
  if (typed && read.eui64 && typed !== read.eui64) throw new LabelError('LABEL_EUI64_MISMATCH', `names ${read.eui64}, not the EUI-64 typed (${typed})`);
  return { eui64, installCode: installCodeOf(read.code), format: read.format };
}

/** An EUI-64 and install code typed into two fields. */
export function typedLabel(eui64Text: string, codeText: string): PairingLabel {
  if (typeof codeText !== 'string' || codeText.trim() === '') throw new LabelError('LABEL_NO_INSTALL_CODE', 'no install code was typed', 'install code');
  if (codeText.length > MAX_LABEL_LENGTH) throw new LabelError('LABEL_TOO_LONG', `is ${codeText.length} characters`, 'install code');
  return { eui64: eui64Of(eui64Text, 'EUI-64'), installCode: installCodeOf(codeText), format: 'typed' };
}

interface Read {
  eui64?: Eui64;
  code: string;
  format: LabelFormat;
}

function zigbeeQr(label: string): Read {
  const fields = new Map<string, string>();
  // `Z$A:<eui>` names the EUI-64 in an A field; `Z:<eui>` in the Z field itself.
  for (const field of label.split('$')) {
    const colon = field.indexOf(':');
    if (colon < 0) continue;
    const key = field.slice(0, colon).trim().toUpperCase();
    if (!fields.has(key)) fields.set(key, field.slice(colon + 1).split('%')[0]!.trim());
  }
  const code = fields.get('I');
  if (!code) throw new LabelError('LABEL_NO_INSTALL_CODE', 'its I: field is empty');
  const eui = fields.get('Z') ?? fields.get('A');
  return eui === undefined ? { code, format: 'zigbeeQr' } : { eui64: eui64Of(eui, 'label EUI-64'), code, format: 'zigbeeQr' };
}

function separated(label: string): Read {
  const parts = label.split(/[|;,]/).map((part) => part.trim());
  if (parts.length !== 2) throw new LabelError('LABEL_FORMAT', `has ${parts.length} parts; expected the EUI-64 and the install code (EUI64|CODE)`);
  return { eui64: eui64Of(parts[0]!, 'label EUI-64'), code: parts[1]!, format: 'separated' };
}

function plainHex(label: string, euiTyped: boolean): Read {
  const digits = label.replace(SEPARATORS, '');
  if (!/^[0-9A-Fa-f]+$/.test(digits)) throw new LabelError('LABEL_FORMAT', 'is not a label this hub reads (Z:<EUI-64>$I:<code>, <EUI-64>|<code>, or hex)');
  // A code alone when the EUI-64 was typed, or when the digits make a whole code (36 digits are also
  // an EUI-64 and a 10-byte code: the CRC tells them apart); else the EUI-64's 16 digits come first.
  if (CODE_DIGITS.includes(digits.length) && (euiTyped || isWholeCode(digits))) return { code: digits, format: 'plainHex' };
  if (CODE_DIGITS.includes(digits.length - EUI64_DIGITS)) {
    return { eui64: digits.slice(0, EUI64_DIGITS).toUpperCase(), code: digits.slice(EUI64_DIGITS), format: 'plainHex' };
  }
  if (CODE_DIGITS.includes(digits.length)) return { code: digits, format: 'plainHex' };
  throw new LabelError('LABEL_FORMAT', `has ${digits.length} hex digits; an EUI-64 (16) and an install code (${CODE_DIGITS.join(', ')}) make ${CODE_DIGITS.map((n) => n + EUI64_DIGITS).join(', ')}`);
}

function isWholeCode(digits: string): boolean {
  try {
    parseInstallCode(digits);
    return true;
  } catch {
    return false;
  }
}

function eui64Of(text: string, where: string): Eui64 {
  const compact = String(text).replace(SEPARATORS, '').toUpperCase();
  if (isEui64(compact)) return compact;
  const length = String(text).replace(SEPARATORS, '').length;
  throw new LabelError('LABEL_BAD_EUI64', `is not an EUI-64 (16 hex digits): it has ${length} characters${/^[0-9A-Fa-f]*$/.test(text.replace(SEPARATORS, '')) ? '' : ', not all hex digits'}`, where);
}

function installCodeOf(text: string): Buffer {
  try {
    return parseInstallCode(text, 'install code');
  } catch (error) {
    if (error instanceof InstallCodeError) {
      const why = error.code === 'INSTALL_CODE_BAD_CRC' ? 'its CRC does not match: a digit is mistyped or misread (check the label again)' : error.message;
      throw new LabelError(error.code, why, 'install code');
    }
    throw error;
  }
}

/** A scanned label, or an EUI-64 and install code typed apart (as the page and `hub pair` send them). */
export interface LabelArgs {
  label?: string;
  eui64?: string;
  installCode?: string;
}

export function labelOf(args: LabelArgs): PairingLabel {
  if (args.label !== undefined) return parseLabel(args.label, args.eui64);
  return typedLabel(args.eui64 ?? '', args.installCode ?? '');
}
