// CS02b: replace trusted remote party certificates (critical, signed by the party the message code names), reporting each replacement's outcome.
import { eui64ToBytes } from '../../../hal/eui64.js';
import { ASN1_TAG, decodeDer, encodeDer, encodeWithTwoOctetLengths, primitive, sequenceNode, type Asn1Node, expectSequence, generalizedTime, integer, nothing, sequenceOf, PayloadError, encodeDateTime, messageCodesFor } from '../../gbcs/index.js';
import { defineHandler, type HandlerContext, type HubDevice, type RemoteParty, type UseCaseHandler } from '../../use-case/index.js';
import { CREDENTIAL_UPDATE_ROLES } from '../../security/role-policy.js';
import { parseCertificate, type Credential } from '../../security/certificates.js';
import { CredentialsError, subjectKeyIdentifier, type ReplacementResult } from '../../security/credentials.js';
import { HUB_EVENTS } from '../../logs/index.js';
import {
  codeOfRole,
  enumerated,
  remotePartySeqNumberChange,
  roleOfCode,
  specialistSeqNumber,
  STATUS_CODE,
  trustAnchorCellIdentifier,
  type RemotePartySeqNumberChange,
} from './credential-shapes.js';
import { gbcsTimestamp } from './dlms-answers.js';

type Cell = { remotePartyRole: number; keyUsage: Buffer; cellUsage?: number };

export interface UpdateCredentialsCommand {
  replacementMode: number;
  authorisingSeqNumber: number;
  /** [4]: the authorising role's floor Seq Number once the update is carried out, with [5] its specialist floors. */
  newFloor?: { floorSeqNumber: number; specialistFloorSeqNumbers?: Array<{ seqNumberUsage: number; seqNumber: number }> };
  /** [6]: other roles' new floors. */
  otherSeqNumberChanges: RemotePartySeqNumberChange[];
  replacements: Array<{ certificate: Buffer; target: Cell }>;
  executionDateTime?: Date;
}

const CONTEXT = 2;
/** AuthorisingRemotePartyControl's context tags after the mode: [1] time-based checks, [2] the authorising cell, then these. */
const CONTROL_TAG = { seqNumber: 3, newFloor: 4, newSpecialistFloors: 5, otherChanges: 6 } as const;

/** A context-tagged (IMPLICIT) field read as the universal type it stands for. */
const untagged = (node: Asn1Node, tag: number): Asn1Node => ({ ...node, tagClass: 0, tag });

type Control = Pick<UpdateCredentialsCommand, 'replacementMode' | 'authorisingSeqNumber' | 'newFloor' | 'otherSeqNumberChanges'>;

function decodeControl(node: Asn1Node): Control {
  const children = expectSequence(node, 'authorising remote party control');
  const replacementMode = integer.decode(children[0] ?? node, 'credentials replacement mode');
  const field = (tag: number) => children.slice(1).find((child) => child.tagClass === CONTEXT && child.tag === tag);
  const seq = field(CONTROL_TAG.seqNumber);
  if (!seq) throw new PayloadError('BAD_VALUE', 'authorising remote party seq number', 'is missing', node.at);
  const floor = field(CONTROL_TAG.newFloor);
  const specialist = field(CONTROL_TAG.newSpecialistFloors);
  const others = field(CONTROL_TAG.otherChanges);
  if (specialist && !floor) throw new PayloadError('BAD_VALUE', 'new remote party specialist floor seq number', 'comes without the new floor seq number', specialist.at);
  return {
    replacementMode,
    authorisingSeqNumber: integer.decode(untagged(seq, ASN1_TAG.integer), 'authorising remote party seq number'),
    ...(floor
      ? {
          newFloor: {
            floorSeqNumber: integer.decode(untagged(floor, ASN1_TAG.integer), 'new remote party floor seq number'),
            ...(specialist ? { specialistFloorSeqNumbers: sequenceOf(specialistSeqNumber).decode(untagged(specialist, ASN1_TAG.sequence), 'new remote party specialist floor seq number') } : {}),
          },
        }
      : {}),
    otherSeqNumberChanges: others ? sequenceOf(remotePartySeqNumberChange).decode(untagged(others, ASN1_TAG.sequence), 'other remote party seq number changes') : [],
  };
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

/**
 * The floors the command sets, as its response reports them: the authorising role's ([4], [5]) first,
 * then the others' ([6]). The RTDS responses list exactly what their commands set (none where the
 * command sets none), whatever was replaced.
 */
function seqNumberChanges(by: RemoteParty, update: UpdateCredentialsCommand): RemotePartySeqNumberChange[] {
  const own = codeOfRole(by.role);
  const first = update.newFloor && own !== undefined ? [{ remotePartyRole: own, ...update.newFloor }] : [];
  return [...first, ...update.otherSeqNumberChanges];
}

/** Each replacement's certificate read and its target role named, then all applied, with the new floors, in one write. */
async function replaceAll(context: HandlerContext, by: RemoteParty, update: UpdateCredentialsCommand, fuel: Fuel, floorChanges: readonly RemotePartySeqNumberChange[]): Promise<Outcome[]> {
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
    'next' in plan && plan.next ? [{ role: plan.role, next: plan.next, cellUsage: plan.cell.cellUsage ?? 0, ...(plan.role === 'supplier' && anchor ? { current: anchor } : {}) }] : [],
  );
  let results: ReplacementResult[];
  try {
    // A new supplier certificate makes its party the recipient Device's supplier (role-policy.ts), in the same write.
    const supplyFollows = (replaced: readonly Credential[]) => {
      const supplier = replaced.find((credential) => credential.role === 'supplier');
      return supplier ? context.chf.supply?.plan({ [fuel]: supplier.eui }) : undefined;
    };
    // Specialist floors (prepayment top-up) belong to the meter's counters, which the CHF does not keep.
    const floors = floorChanges.flatMap((change) => {
      const role = roleOfCode(change.remotePartyRole);
      return role ? [{ role, floor: change.floorSeqNumber }] : [];
    });
    results = changes.length === 0 ? [] : await context.chf.credentials.replace(changes, by.role, update.authorisingSeqNumber, supplyFollows, floors);
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

function encodeResponse(command: UpdateCredentialsCommand, outcomes: readonly Outcome[], floorChanges: readonly RemotePartySeqNumberChange[] = []): Buffer {
  const outcomeNodes = outcomes.map((outcome) =>
    sequenceNode([trustAnchorCellIdentifier.encode(outcome.cell, 'cell'), enumerated.encode(outcome.status, 'status'), ...ids(outcome.existing), ...ids(outcome.replacing)]),
  );
  const execution = sequenceNode([
    integer.encode(command.authorisingSeqNumber, 'seq'),
    integer.encode(command.replacementMode, 'mode'),
    sequenceOf(remotePartySeqNumberChange).encode([...floorChanges], 'remote party seq number changes'),
    sequenceNode(outcomeNodes),
  ]);
  // Lengths from 128 on in the two-octet form, as the RTDS CS02b responses have them.
  return encodeWithTwoOctetLengths(sequenceNode([nothing.encode(null, 'accepted'), execution]));
}

const CODES = messageCodesFor('CS02b').filter((code) => CREDENTIAL_UPDATE_ROLES.has(code));
/** Message codes 0x0100..0x0109 name replacement modes 0..9, in order. */
const modeOf = (code: number): number => code - 0x0100;

/** CS02b on one of the hub's Devices: the CHF's here, the GPF's in src/gpf/use-cases. */
export const credentialUpdateHandler = (device: HubDevice): UseCaseHandler => defineHandler({
  useCase: 'CS02b',
  device,
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
    const floorChanges = seqNumberChanges(command.remoteParty, update);
    const outcomes = await replaceAll(context, command.remoteParty, update, fuel, floorChanges);
    const replaced = outcomes.filter((outcome) => outcome.status === STATUS_CODE.success).length;
    if (replaced > 0) await context.chf.securityLog.record(HUB_EVENTS.securityCredentialsUpdated.code, { replaced });
    // The floors are written with the replacements, so they are reported only where one was made.
    return { payload: encodeResponse(update, outcomes, replaced > 0 ? floorChanges : []), dateTime: stamp(context) };
  },
});

export const cs02b = credentialUpdateHandler('CHF');

/** Every RTDS CS02b response, the CHF's too, carries the Device's time in its grouping header. */
const stamp = (context: HandlerContext): Buffer => encodeDateTime(gbcsTimestamp(context.clock.now()));
