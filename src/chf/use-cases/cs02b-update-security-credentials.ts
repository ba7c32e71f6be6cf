// CS02b: replace trusted remote party certificates (critical, signed by the party the message code names), reporting each replacement's outcome.
import { eui64ToBytes } from '../../../hal/eui64.js';
import { ASN1_TAG, decodeDer, encodeDer, primitive, sequenceNode, type Asn1Node } from '../../gbcs/payload/asn1/der.js';
import { expectSequence, generalizedTime, integer, nothing } from '../../gbcs/payload/asn1/shape.js';
import { PayloadError } from '../../gbcs/payload/errors.js';
import { encodeDateTime, messageCodesFor } from '../../gbcs/index.js';
import { defineHandler } from '../../hub/registry.js';
import { CREDENTIAL_UPDATE_ROLES } from '../../security/role-policy.js';
import type { HandlerContext, RemoteParty } from '../../hub/use-case.js';
import { parseCertificate, type Credential } from '../../security/certificates.js';
import { CredentialsError, subjectKeyIdentifier, type ReplacementResult } from '../../security/credentials.js';
import { HUB_EVENTS } from '../../logs/event-codes.js';
import { enumerated, roleOfCode, STATUS_CODE, trustAnchorCellIdentifier } from './credential-shapes.js';
import { gbcsTimestamp } from './dlms-answers.js';

type Cell = { remotePartyRole: number; keyUsage: Buffer; cellUsage?: number };

export interface UpdateCredentialsCommand {
  replacementMode: number;
  authorisingSeqNumber: number;
  replacements: Array<{ certificate: Buffer; target: Cell }>;
  executionDateTime?: Date;
}

/** AuthorisingRemotePartyControl: the mode first, the sequence number after the optional [0]..[2] fields. */
function decodeControl(node: Asn1Node): { replacementMode: number; authorisingSeqNumber: number } {
  const children = expectSequence(node, 'authorising remote party control');
  const replacementMode = integer.decode(children[0] ?? node, 'credentials replacement mode');
  const seq = children.slice(1).find((child) => child.tagClass === 0 && child.tag === ASN1_TAG.integer);
  if (!seq) throw new PayloadError('BAD_VALUE', 'authorising remote party seq number', 'is missing', node.at);
  return { replacementMode, authorisingSeqNumber: integer.decode(seq, 'authorising remote party seq number') };
}

export function decodeUpdateCommand(payload: Buffer): UpdateCredentialsCommand {
  const [control, replacements, , execution] = expectSequence(decodeDer(payload), 'payload');
  if (!control || !replacements) throw new PayloadError('BAD_VALUE', 'payload', 'needs the control and the replacements', 0);
  return {
    ...decodeControl(control),
    replacements: expectSequence(replacements, 'replacements').map((replacement, i) => {
      const [certificate, target] = expectSequence(replacement, `replacements[${i}]`);
      if (!certificate || !target) throw new PayloadError('BAD_VALUE', `replacements[${i}]`, 'needs a certificate and a target cell', replacement.at);
      return { certificate: encodeDer(certificate), target: trustAnchorCellIdentifier.decode(target, `replacements[${i}].target`) };
    }),
    ...(execution ? { executionDateTime: generalizedTime.decode(execution, 'execution date-time') } : {}),
  };
}

interface Outcome {
  cell: Cell;
  status: number;
  existing?: Credential;
  replacing?: Credential;
}

const STATUS_BY_ERROR: Readonly<Record<string, number>> = {
  WRONG_ROLE: STATUS_CODE.badCertificate,
  NOT_AUTHORISED: STATUS_CODE.other,
  STALE_SEQUENCE: STATUS_CODE.other,
};

/** The supplier anchor a command to this recipient replaces: the CHF's is the electricity supplier's, the GPF's the gas supplier's. */
type Fuel = 'electricity' | 'gas';

/** Each replacement's certificate read and its target role named, then all applied in one write. */
async function replaceAll(context: HandlerContext, by: RemoteParty, update: UpdateCredentialsCommand, fuel: Fuel): Promise<Outcome[]> {
  const planned = update.replacements.map((replacement) => {
    const cell = replacement.target;
    const role = roleOfCode(cell.remotePartyRole);
    if (!role) return { cell, status: STATUS_CODE.trustAnchorNotFound };
    try {
      return { cell, role, next: parseCertificate(replacement.certificate, 'replacement certificate') };
    } catch {
      return { cell, status: STATUS_CODE.badCertificate };
    }
  });
  const supply = context.chf.supply?.current() ?? {};
  // One anchor known means one supplier for both fuels.
  const anchor = supply[fuel] ?? supply.electricity ?? supply.gas;
  const changes = planned.flatMap((plan) =>
    'next' in plan && plan.next ? [{ role: plan.role, next: plan.next, ...(plan.role === 'supplier' && anchor ? { current: anchor } : {}) }] : [],
  );
  let results: ReplacementResult[];
  try {
    // A new supplier certificate makes its party the recipient Device's supplier (role-policy.ts), in the same write.
    const supplyFollows = (replaced: readonly Credential[]) => {
      const supplier = replaced.find((credential) => credential.role === 'supplier');
      return supplier ? context.chf.supply?.plan({ [fuel]: supplier.eui }) : undefined;
    };
    results = changes.length === 0 ? [] : await context.chf.credentials.replace(changes, by.role, update.authorisingSeqNumber, supplyFollows);
  } catch (error) {
    if (error instanceof CredentialsError) return planned.map((plan) => ({ cell: plan.cell, status: STATUS_CODE.other }));
    throw error;
  }
  let next = 0;
  return planned.map((plan): Outcome => {
    if (!('next' in plan)) return { cell: plan.cell, status: plan.status! };
    const result = results[next++]!;
    if (result.error) return { cell: plan.cell, status: STATUS_BY_ERROR[result.error.code] ?? STATUS_CODE.other };
    return { cell: plan.cell, status: STATUS_CODE.success, ...(result.existing ? { existing: result.existing } : {}), replacing: result.replaced! };
  });
}

const ids = (credential: Credential | undefined): Asn1Node[] => [
  primitive(ASN1_TAG.octetString, credential ? eui64ToBytes(credential.eui) : Buffer.alloc(0)),
  primitive(ASN1_TAG.octetString, (credential && subjectKeyIdentifier(credential.der)) ?? Buffer.alloc(0)),
];

function encodeResponse(command: UpdateCredentialsCommand, outcomes: readonly Outcome[]): Buffer {
  const outcomeNodes = outcomes.map((outcome) =>
    sequenceNode([trustAnchorCellIdentifier.encode(outcome.cell, 'cell'), enumerated.encode(outcome.status, 'status'), ...ids(outcome.existing), ...ids(outcome.replacing)]),
  );
  const execution = sequenceNode([
    integer.encode(command.authorisingSeqNumber, 'seq'),
    integer.encode(command.replacementMode, 'mode'),
    sequenceNode([]),
    sequenceNode(outcomeNodes),
  ]);
  return encodeDer(sequenceNode([nothing.encode(null, 'accepted'), execution]));
}

const CODES = messageCodesFor('CS02b').filter((code) => CREDENTIAL_UPDATE_ROLES.has(code));
/** Message codes 0x0100..0x0109 name replacement modes 0..9, in order. */
const modeOf = (code: number): number => code - 0x0100;

export const cs02b = defineHandler({
  useCase: 'CS02b',
  device: 'CHF',
  messageCodes: CODES,
  allowedRoles: [...new Set([...CREDENTIAL_UPDATE_ROLES.values()].flat())],
  rolesByCode: CREDENTIAL_UPDATE_ROLES,
  decodeCommand: decodeUpdateCommand,
  async handle(context, command) {
    const update = command.payload.view!.value as UpdateCredentialsCommand;
    if (update.replacementMode !== modeOf(command.header.messageCode) || update.executionDateTime) {
      // A mode that contradicts the message code, or a future-dated update (not carried out by this hub yet): every cell refused.
      return { payload: encodeResponse(update, update.replacements.map((r) => ({ cell: r.target, status: STATUS_CODE.other }))), dateTime: stamp(context) };
    }
    const fuel: Fuel = command.header.recipient === context.identity.gpf ? 'gas' : 'electricity';
    const outcomes = await replaceAll(context, command.remoteParty, update, fuel);
    const replaced = outcomes.filter((outcome) => outcome.status === STATUS_CODE.success).length;
    if (replaced > 0) await context.chf.securityLog.record(HUB_EVENTS.securityCredentialsUpdated.code, { replaced });
    return { payload: encodeResponse(update, outcomes), dateTime: stamp(context) };
  },
});

/** Every RTDS CS02b response, the CHF's too, carries the Device's time in its grouping header. */
const stamp = (context: HandlerContext): Buffer => encodeDateTime(gbcsTimestamp(context.clock.now()));
