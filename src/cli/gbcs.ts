import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RemotePartyRole } from '../security/certificates.js';
import { loadRtdsKeystore, type RtdsKeystore } from '../security/rtds-secure-element.js';
import { GbcsAuthenticator, GbcsError, decodeDateTime, decodeMessage, encodeGroupingApdu, formatDateTime, isSigned, messageCodeEntry, SIZE, type GbcsMessage, RTDS_PARTIES } from '../gbcs/index.js';
import { processOnce } from '../hub/index.js';
import { PayloadError, decodePayload, describePayload, describeValue, payloadToJson, type DecodedPayload } from '../gbcs/payload/index.js';
import { decryptGbzComponent, gbzEncryptionKey } from '../gbcs/payload/gbz/index.js';

/**
 * `hub gbcs`: GBCS messages from the command line. `inspect` shows what a message says and, given a
 * keystore, whether it authenticates. (`process`, to run a message through the hub, joins it here.)
 */
export function registerGbcs(program: Command): void {
  const gbcs = program
    .command('gbcs')
    .description('work with GBCS messages: inspect one (decode its envelope, check its MAC and signature)');
  gbcs
    .command('inspect')
    .description('decode a GBCS message and show its headers, payload, signature and MAC')
    .argument('<message>', 'the message as hex (spaces allowed), or a file holding hex or the raw bytes')
    .option('--json', 'print one JSON object instead of text')
    .option('--keystore <dir>', 'an RTDS-style keystore folder (<eui>-<ds|ka>.pem, remote parties\' .key); also verify MAC and signature')
    .addHelpText('after', '\nExample:\n  hub gbcs inspect ../shared/rtds/vectors/8.11_CCS01/CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX --keystore ../shared/rtds/keystore\n')
    .action(async (input: string, options: { json?: boolean; keystore?: string }) => {
      const inspection = await inspectMessage(await readMessage(input), options.keystore);
      process.stdout.write(options.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection));
      const refused = inspection.verification && refusal(inspection.verification);
      if (refused) throw refused;
    });
  gbcs
    .command('process')
    .description('run one command through a hub (state from a file, or fresh) and print the response, then any alerts, as hex, one per line')
    .argument('<message>', 'the command as hex (spaces allowed), or a file holding hex or the raw bytes')
    .requiredOption('--keystore <dir>', 'an RTDS-style keystore folder: the hub\'s keys and the remote parties\' certificates it trusts')
    .option('--state <file>', 'JSON or YAML: now, extendedPanId, devices, historicDevices, linkStatistics, events, counters, identity')
    .addHelpText(
      'after',
      '\nThe response to a critical command is signed, not MACed. An RTDS keystore holds no private key of the hub\'s Devices, so\n' +
        'this hub signs with keys it makes for the run: the signature does not verify with the keystore\'s certificates.\n' +
        '\nExample:\n  hub gbcs process ../shared/rtds/vectors/8.9_CCS06/CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX --keystore ../shared/rtds/keystore --state ccs06.yaml\n',
    )
    .action(async (input: string, options: { keystore: string; state?: string }) => {
      const { outcome, lines } = await processOnce(await readMessage(input), { keystoreDir: options.keystore, ...(options.state ? { stateFile: options.state } : {}) });
      process.stdout.write(lines.map((line) => `${line}\n`).join(''));
      if (outcome.kind === 'dropped') throw outcome.refusal;
      if (outcome.kind === 'relayed') process.stderr.write(`relayed to ${outcome.to}\n`);
    });
}

/** Hex text, a file of hex text, or a file of raw bytes (it starts with a GBCS tag). */
export async function readMessage(input: string): Promise<Buffer> {
  if (existsSync(input)) {
    const content = await readFile(input);
    if (content[0] === 0xdd || content[0] === 0xdf) return content;
    return hexToBytes(content.toString('latin1'), input);
  }
  return hexToBytes(input, 'argument');
}

function hexToBytes(text: string, where: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(compact)) {
    throw new GbcsError('BAD_INPUT', 'not a file, nor an even number of hex digits', { where });
  }
  return Buffer.from(compact, 'hex');
}

export interface Party {
  eui: string;
  role?: string;
}

export type DecodedPayloadSummary =
  | { format: string; view?: string; value: unknown; lines: string[]; decrypted?: Array<{ component: number; value?: unknown; error?: string }> }
  | { error: string };

export interface Inspection {
  bytes: number;
  envelope: 'MAC header + grouping header' | 'grouping header only';
  cra: string;
  originatorCounter: string;
  originator: Party;
  recipient: Party;
  messageCode: { code: string; useCase?: string; title?: string; critical?: boolean };
  dateTime?: string;
  supplementary?: { remotePartyId: Party; remotePartyCounter?: string; originatorCounter?: string; keyAgreementCertificateBytes?: number };
  lengths: { groupingApdu: number; payload: number; cipheredContent?: number };
  payloadFormat: string;
  payload: string;
  /** The payload decoded: its typed view where the use case has one, else the generic tree; or why it could not be. */
  decodedPayload: DecodedPayloadSummary;
  signature: string;
  mac?: string;
  verification?: { mac: string; signature: string };
}

/** First bytes of a payload and what they announce; the payload decoders come with the use cases. */
const PAYLOAD_FORMATS: Array<[prefix: string, format: string]> = [
  ['d9', 'DLMS COSEM ACCESS request'],
  ['da', 'DLMS COSEM ACCESS response'],
  ['0f', 'DLMS COSEM DATA-NOTIFICATION'],
  ['0109', 'GBZ (ZigBee cluster commands)'],
  ['30', 'ASN.1 (DER) structure'],
];

export async function inspectMessage(bytes: Buffer, keystoreDir?: string): Promise<Inspection> {
  const message = decodeMessage(bytes, { allowUnknownMessageCode: true });
  const keystore = keystoreDir ? await loadRtdsKeystore(keystoreDir) : undefined;
  const party = (eui: string): Party => {
    const role = roleName(keystore?.trustStore.forEui(eui, 'keyAgreement')?.role ?? keystore?.trustStore.forEui(eui, 'digitalSigning')?.role);
    const known = role ?? RTDS_PARTIES.get(eui);
    return known ? { eui, role: known } : { eui };
  };
  const { header, payload } = message;
  const entry = messageCodeEntry(header.messageCode);
  const extra = header.supplementary;
  const groupingApdu = encodeGroupingApdu(message).length;
  const inspection: Inspection = {
    bytes: bytes.length,
    envelope: message.macHeader ? 'MAC header + grouping header' : 'grouping header only',
    cra: header.cra,
    originatorCounter: header.originatorCounter.toString(),
    originator: party(header.originator),
    recipient: party(header.recipient),
    messageCode: {
      code: `0x${header.messageCode.toString(16).toUpperCase().padStart(4, '0')}`,
      ...(entry ? { useCase: entry.useCase, title: entry.title, critical: entry.critical } : {}),
    },
    ...(header.dateTime ? { dateTime: formatDateTime(decodeDateTime(header.dateTime)) } : {}),
    ...(extra
      ? {
          supplementary: {
            remotePartyId: party(extra.remotePartyId),
            ...(extra.remotePartyCounter === undefined ? {} : { remotePartyCounter: extra.remotePartyCounter.toString() }),
            ...(extra.originatorCounter === undefined ? {} : { originatorCounter: extra.originatorCounter.toString() }),
            ...(extra.keyAgreementCertificate ? { keyAgreementCertificateBytes: extra.keyAgreementCertificate.length } : {}),
          },
        }
      : {}),
    lengths: {
      groupingApdu,
      payload: payload.length,
      ...(message.mac ? { cipheredContent: 1 + SIZE.invocationCounter + groupingApdu + message.mac.length } : {}),
    },
    payloadFormat: PAYLOAD_FORMATS.find(([prefix]) => payload.toString('hex').startsWith(prefix))?.[1] ?? 'not recognised',
    payload: payload.toString('hex'),
    decodedPayload: await summarisePayload(message, keystore),
    signature: isSigned(message) ? message.signature.toString('hex') : message.signature === 'empty' ? 'none (empty field)' : 'none (no field)',
    ...(message.mac ? { mac: message.mac.toString('hex') } : {}),
  };
  if (keystore) {
    const authenticator = new GbcsAuthenticator({ secureElement: keystore.secureElement, credentials: keystore.trustStore });
    inspection.verification = await verification(authenticator, message);
  }
  return inspection;
}

async function summarisePayload(message: GbcsMessage, keystore: RtdsKeystore | undefined): Promise<DecodedPayloadSummary> {
  let decoded: DecodedPayload;
  try {
    decoded = decodePayload({ messageCode: message.header.messageCode, cra: message.header.cra, payload: message.payload });
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    return { error: `${error.message} [${error.code}]` };
  }
  const summary = {
    format: decoded.format,
    ...(decoded.view ? { view: `${decoded.view.useCase} ${decoded.view.cra}` } : {}),
    value: payloadToJson(decoded.view ? decoded.view.value : decoded.generic.tree),
    lines: describePayload(decoded),
  };
  const decrypted = keystore ? await decryptComponents(message, decoded, keystore) : [];
  for (const entry of decrypted) {
    summary.lines.push(...(entry.error ? [`component[${entry.component}] not decrypted: ${entry.error}`] : describeValue(`component[${entry.component}] decrypted`, entry.body)));
  }
  return decrypted.length === 0 ? summary : { ...summary, decrypted: decrypted.map(({ component, body, error }) => ({ component, ...(error ? { error } : { value: payloadToJson(body) }) })) };
}

/** With a keystore, the ciphered GBZ components in plain text (ECDH with the keystore mirrors the Device's side). */
async function decryptComponents(message: GbcsMessage, decoded: DecodedPayload, keystore: RtdsKeystore) {
  const tree = decoded.generic.format === 'gbz' ? decoded.generic.tree : undefined;
  if (tree?.gbz !== 'components') return [];
  const { header } = message;
  const results: Array<{ component: number; body?: unknown; error?: string }> = [];
  for (const [component, entry] of tree.components.entries()) {
    if (entry.body.kind !== 'ciphered') continue;
    try {
      const peer = keystore.trustStore.forEui(header.supplementary?.remotePartyId ?? header.recipient, 'keyAgreement');
      if (!peer) throw new GbcsError('NO_CREDENTIAL', 'no Key Agreement certificate for the party it is encrypted for');
      const key = gbzEncryptionKey(await keystore.secureElement.ecdh(header.originator, peer.publicKeyDer), header);
      results.push({ component, body: decryptGbzComponent(entry, key, header.originator) });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      results.push({ component, error: error.message });
    }
  }
  return results;
}

const ROLE_NAMES: Readonly<Record<RemotePartyRole, string>> = {
  root: 'root',
  recovery: 'recovery',
  supplier: 'supplier',
  networkOperator: 'network operator',
  accessControlBroker: 'Access Control Broker',
  wanProvider: 'WAN provider',
  transitionalCoS: 'transitional change of supplier',
  issuingAuthority: 'issuing authority',
  otherUser: 'other user',
};

function roleName(role: RemotePartyRole | undefined): string | undefined {
  return role ? ROLE_NAMES[role] : undefined;
}

const VERDICTS: Partial<Record<string, string>> = { NO_CREDENTIAL: 'CANNOT CHECK', SIGNATURE_MISSING: 'MISSING' };

async function verification(authenticator: GbcsAuthenticator, message: GbcsMessage): Promise<{ mac: string; signature: string }> {
  const outcome = async (check: () => Promise<unknown>): Promise<string> => {
    try {
      await check();
      return 'valid';
    } catch (error) {
      if (!(error instanceof GbcsError)) throw error;
      return `${VERDICTS[error.code] ?? 'INVALID'}: ${error.message} [${error.code}]`;
    }
  };
  const mac = message.mac ? await outcome(() => authenticator.verifyMac(message)) : 'not present';
  let signed = false;
  const signature = await outcome(async () => {
    signed = await authenticator.verifySignature(message);
  });
  return { mac, signature: signature === 'valid' && !signed ? 'not present' : signature };
}

/** The first check that refuses the message, as the error the command ends with. */
function refusal(verification: { mac: string; signature: string }): GbcsError | undefined {
  const refuse = (code: 'MAC_INVALID' | 'SIGNATURE_INVALID' | 'SIGNATURE_MISSING') =>
    new GbcsError(code, 'the message does not authenticate (see the checks above)', { where: 'verification' });
  if (/^(INVALID|MISSING)/.test(verification.mac)) return refuse('MAC_INVALID');
  if (verification.signature.startsWith('INVALID')) return refuse('SIGNATURE_INVALID');
  if (verification.signature.startsWith('MISSING')) return refuse('SIGNATURE_MISSING');
  return undefined;
}

const LENGTH_NAMES: Readonly<Record<string, string>> = {
  groupingApdu: 'grouping header APDU',
  payload: 'payload',
  cipheredContent: 'ciphered content',
};

export function formatInspection(inspection: Inspection): string {
  const party = (p: Party) => (p.role ? `${p.eui}  ${p.role}` : p.eui);
  const code = inspection.messageCode;
  const extra = inspection.supplementary;
  const rows: Array<[string, string | undefined]> = [
    ['envelope', `${inspection.envelope}, ${inspection.bytes} bytes`],
    ['CRA flag', inspection.cra],
    ['originator counter', inspection.originatorCounter],
    ['originator', party(inspection.originator)],
    ['recipient', party(inspection.recipient)],
    ['message code', `${code.code}  ${code.useCase ? `${code.useCase} ${code.title}${code.critical ? ' (critical)' : ''}` : 'unknown to this hub'}`],
    ['date-time', inspection.dateTime ?? 'none'],
    ['supplementary', extra && [
      `remote party ${party(extra.remotePartyId)}`,
      extra.remotePartyCounter && `counter ${extra.remotePartyCounter}`,
      extra.originatorCounter && `originator counter ${extra.originatorCounter}`,
      extra.keyAgreementCertificateBytes && `KA certificate ${extra.keyAgreementCertificateBytes} bytes`,
    ].filter(Boolean).join(', ')],
    ['lengths', Object.entries(inspection.lengths).map(([name, value]) => `${LENGTH_NAMES[name] ?? name} ${value}`).join(', ')],
    ['payload', `${inspection.payloadFormat}: ${inspection.payload}`],
    ['signature', inspection.signature],
    ['MAC', inspection.mac ?? 'none'],
    ['MAC check', inspection.verification?.mac],
    ['signature check', inspection.verification?.signature],
  ];
  const text = rows.filter((row): row is [string, string] => row[1] !== undefined).map(([name, value]) => `${name.padEnd(20)}${value}\n`).join('');
  const decoded = inspection.decodedPayload;
  const payloadLines = 'error' in decoded ? [`cannot be decoded: ${decoded.error}`] : decoded.lines;
  return `${text}${'decoded payload'.padEnd(20)}${payloadLines[0] ?? ''}\n${payloadLines.slice(1).map((line) => `${''.padEnd(20)}${line}\n`).join('')}`;
}
