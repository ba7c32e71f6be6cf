import type { Eui64 } from '../../hal/radio.js';
import type { DeviceType } from './device-types.js';
import type { RemotePartyRole } from './certificates.js';

/**
 * Who may ask the hub for what: one table of remote-party roles × use cases, and the few rules
 * that depend on what the command acts on. The hub's router asks `decideRole` after it has
 * authenticated and decoded a command and before it takes the command's counter, so a refusal
 * changes nothing (the refusal goes to the Security Log as "source does not have authority").
 *
 * Parties. The Smart Energy Code's user roles (import supplier EIS, export supplier EES, gas
 * supplier GIS, electricity and gas network operators ENO and GNO, other user OU, registration
 * data provider SNA) and the DCC's own parties, which have use cases of their own (the Access
 * Control Broker ACB, the WAN provider WANP, transitional change of supplier TCOS, root ROOT, whose
 * cell also holds the contingency key, and the recovery key RECOVERY).
 *
 * What the hub can see of a party is the role in its certificate (OU) and, for a supplier, whether
 * it is the supplier whose credentials the hub holds for electricity (the CHF's supplier anchor:
 * the lead supplier) or for gas (the GPF's), kept in a `SupplyArrangement`:
 * - no anchor known, or both the same supplier: single-supplier premises; a supplier is EIS and GIS;
 * - anchors for two suppliers (split supply): the electricity one is EIS, the gas one GIS;
 * - a supplier certificate the hub trusts that is neither anchor (once one is known) is EES at most;
 * - a network operator is ENO and GNO (their certificates cannot be told apart);
 * - SNA has no certificate role: no command reaches the hub as SNA.
 *
 * The rules beyond the table (`decideRole`):
 * - Device Log changes (CCS01 add, CCS02 remove) go by the kind of Device changed (CCS01: the
 *   command's device type; CCS02: the type the Device Log holds): DEVICE_LOG_CHANGERS. Meters and
 *   their load switch are their supplier's: at split supply only the electricity supplier adds or
 *   removes the ESME or HCALCS, only the gas supplier the GSME (so the electricity supplier alone
 *   cannot remove the gas meter). Type 1 Devices are joined by import or gas suppliers only (service
 *   8.7), so the export supplier and other users may change only Type 2 (receive-only) Devices.
 * - Decommissioning the hub is the lead (electricity) supplier's alone: removing the GPF from the
 *   Device Log (the hub's gas functions) and CCS03 (replacing this hub's Device Log with another
 *   hub's). At split supply the GPF may be removed only once no GSME remains in the Device Log:
 *   the gas supplier withdraws its meter first, so the gas meter never loses its minimum functions.
 * - At split supply, a supplier's command to the GPF is the gas supplier's (the GPF holds the gas
 *   meter's data and the gas supplier's trust anchor), and a supplier's CS02b replaces credentials
 *   only on the Device whose supplier anchor it is (the CHF's: electricity; the GPF's: gas).
 * - GCS59 (restore the GPF Device Log) is the DCC's own service, sent by the Access Control Broker
 *   with no user behind it, so no supplier can send it; it adds entries and never drops the GSME.
 * - Type 2 Devices receive data and send nothing that changes state. That is enforced where HAN
 *   Devices reach the hub, not here: src/han/relay-inbound.ts refuses every tunnel request and
 *   tunnelled message from a Device the Device Log holds as Type 2 (DEVICE_TYPES.receiveOnly), and
 *   records it in the Security Log; the Time cluster server answers reads only, for every Device.
 */
export type UserRole = 'EIS' | 'EES' | 'GIS' | 'ENO' | 'GNO' | 'OU' | 'SNA';
export type DccRole = 'ACB' | 'WANP' | 'TCOS' | 'ROOT' | 'RECOVERY';
export type PartyRole = UserRole | DccRole;

export const PARTY_ROLES: Readonly<Record<PartyRole, string>> = {
  EIS: 'import (electricity) supplier',
  EES: 'export supplier',
  GIS: 'gas supplier',
  ENO: 'electricity network operator',
  GNO: 'gas network operator',
  OU: 'other user',
  SNA: 'registration data provider',
  ACB: 'Access Control Broker',
  WANP: 'WAN provider',
  TCOS: 'transitional change of supplier',
  ROOT: 'root',
  RECOVERY: 'recovery',
};

/** The certificate role a party of each role presents (SNA has none). */
export const CERTIFICATE_ROLE_OF: Readonly<Record<PartyRole, RemotePartyRole | undefined>> = {
  EIS: 'supplier',
  EES: 'supplier',
  GIS: 'supplier',
  ENO: 'networkOperator',
  GNO: 'networkOperator',
  OU: 'otherUser',
  SNA: undefined,
  ACB: 'accessControlBroker',
  WANP: 'wanProvider',
  TCOS: 'transitionalCoS',
  ROOT: 'root',
  RECOVERY: 'recovery',
};

/** Service reference → eligible user roles (the User Gateway Services Schedule; roles.md). */
export const SERVICE_ROLES: ReadonlyMap<string, readonly UserRole[]> = new Map<string, UserRole[]>([
  ['3.2', ['EIS', 'GIS']],
  ['3.3', ['EIS', 'GIS']],
  ['3.5', ['EIS', 'GIS']],
  ['4.1', ['EIS', 'GIS', 'ENO', 'GNO']],
  ['4.3', ['EIS', 'GIS']],
  ['4.8', ['EIS', 'EES', 'GIS', 'ENO', 'GNO', 'OU']],
  ['4.14', ['EIS', 'GIS']],
  ['4.17', ['EIS', 'GIS', 'ENO', 'GNO', 'OU']],
  ['6.2', ['EIS', 'EES', 'GIS', 'SNA', 'ENO', 'GNO', 'OU']],
  ['6.11', ['EIS', 'GIS']],
  ['6.13', ['EIS', 'GIS', 'ENO', 'SNA']],
  ['6.15', ['EIS', 'GIS', 'ENO', 'GNO']],
  ['6.17', ['EIS', 'GIS']],
  ['6.21', ['EIS', 'GIS']],
  ['6.23', ['EIS', 'GIS']],
  ['6.24', ['EIS', 'GIS', 'ENO', 'GNO']],
  ['8.1', ['EIS', 'GIS']],
  ['8.7', ['EIS', 'GIS', 'OU']],
  ['8.8', ['EIS', 'GIS', 'OU']],
  ['8.9', ['EIS', 'GIS', 'OU']],
  ['8.11', ['EIS', 'EES', 'GIS', 'OU']],
  ['8.12', ['EIS', 'EES', 'GIS']],
  ['9.1', ['OU']],
  ['11.1', ['EIS', 'GIS']],
  ['11.2', ['EIS', 'EES', 'GIS', 'SNA', 'ENO', 'GNO', 'OU']],
  ['11.3', ['EIS', 'GIS']],
]);

/**
 * Use case → service reference, for the use cases this hub executes itself. Where the mapping table
 * says "See GBCS" the service named in the GBCS README is used. The Sub GHz reads (DBCH01-03) and
 * GCS60/GCS60a have no row in the services schedule held here: they take the nearest service (read device
 * configuration, read prepayment values), which a later schedule may refine.
 */
export const USE_CASE_SERVICE: ReadonlyMap<string, string> = new Map([
  ['CCS01', '8.11'], ['CCS02', '8.11'], ['CCS03', '8.12'], ['CCS04', '8.9'], ['CCS06', '8.9'], ['CCS07', '8.9'],
  ['CS07', '8.9'], ['ECS35c', '6.13'], ['ECS35d', '6.13'], ['CS10a', '6.13'], ['CS10b', '6.13'],
  ['CS11', '3.3'], ['ECS26i', '6.2'], ['ECS26n', '6.2'], ['CS02a', '6.24'], ['CS02e', '6.24'], ['CS02f', '6.24'],
  ['CS02c', '6.17'], ['CS02d', '6.15'],
  ['CS05a', '11.1'], ['CS06', '11.3'], ['CS08', '11.2'], ['ECS52', '11.2'],
  ['DBCH01', '6.2'], ['DBCH02', '6.2'], ['DBCH03', '6.2'], ['DBCH04', '6.15'], ['DBCH05', '6.15'],
  ['GCS09', '3.2'], ['GCS11', '3.5'], ['GCS13a', '4.1'], ['GCS13b', '4.1'], ['GCS13c', '4.1'], ['GCS14', '4.3'],
  ['GCS16b', '4.14'], ['GCS60', '4.3'], ['GCS60a', '4.3'], ['GCS61', '4.17'],
]);

/** The DCC's own services: use cases sent by a DCC party with no user behind them. */
export const DCC_USE_CASES: ReadonlyMap<string, readonly DccRole[]> = new Map<string, DccRole[]>([
  // The RTDS GCS59 comes from the Access Control Broker itself.
  ['GCS59', ['ACB']],
  // The RTDS CS02a (NA_CS02aSignature) is the Access Control Broker asking about its own credentials, for no user.
  ['CS02a', ['ACB']],
]);

/**
 * CS02b (service 6.15): each Message Code names the kind of party that sends it
 * ("supplierBySupplier"), so each code has its own row: anyExceptAbnormalRootByRecovery is the
 * recovery key's, anyByContingency the contingency key's, which the hub holds in the root's cell.
 */
export const CREDENTIAL_UPDATE_PARTIES: ReadonlyMap<number, readonly PartyRole[]> = new Map<number, PartyRole[]>([
  [0x0100, ['EIS', 'GIS']],
  [0x0101, ['WANP']],
  [0x0102, ['EIS', 'GIS']],
  [0x0103, ['ENO', 'GNO']],
  [0x0104, ['ACB']],
  [0x0105, ['WANP']],
  [0x0106, ['TCOS']],
  [0x0107, ['TCOS']],
  [0x0108, ['RECOVERY']],
  [0x0109, ['ROOT']],
]);

export interface PolicyRow {
  useCase: string;
  /** Present where the use case's codes have rows of their own (CS02b). */
  messageCode?: number;
  /** The SEC service, or null for a DCC service. */
  service: string | null;
  roles: readonly PartyRole[];
}

/** The one table, every use case the hub may execute with the roles that may invoke it. */
export const ROLE_POLICY: readonly PolicyRow[] = [
  // A user service the DCC may also invoke for itself (CS02a) keeps one row, with the DCC's roles after the users'.
  ...[...USE_CASE_SERVICE].map(([useCase, service]): PolicyRow => ({ useCase, service, roles: [...(SERVICE_ROLES.get(service) ?? []), ...(DCC_USE_CASES.get(useCase) ?? [])] })),
  ...[...DCC_USE_CASES].filter(([useCase]) => !USE_CASE_SERVICE.has(useCase)).map(([useCase, roles]): PolicyRow => ({ useCase, service: null, roles })),
  ...[...CREDENTIAL_UPDATE_PARTIES].map(([messageCode, roles]): PolicyRow => ({ useCase: 'CS02b', messageCode, service: '6.15', roles })),
];

/** The roles that may invoke a use case (by Message Code where codes have rows of their own); empty when it has no row. */
export function eligibleRoles(useCase: string, messageCode?: number): readonly PartyRole[] {
  const rows = ROLE_POLICY.filter((row) => row.useCase === useCase);
  const byCode = rows.find((row) => row.messageCode !== undefined && row.messageCode === messageCode);
  if (byCode) return byCode.roles;
  if (rows.some((row) => row.messageCode !== undefined)) return [...new Set(rows.flatMap((row) => row.roles))];
  return rows[0]?.roles ?? [];
}

function certificateRolesOf(roles: readonly PartyRole[]): RemotePartyRole[] {
  return [...new Set(roles.flatMap((role) => CERTIFICATE_ROLE_OF[role] ?? []))];
}

/** CS02b: the certificate role that may send each code. */
export const CREDENTIAL_UPDATE_ROLES: ReadonlyMap<number, readonly RemotePartyRole[]> = new Map(
  [...CREDENTIAL_UPDATE_PARTIES].map(([code, roles]) => [code, certificateRolesOf(roles)]),
);

/**
 * The certificate roles that may invoke a use case: the router's first, coarse check (a handler's
 * `allowedRoles`); `decideRole` then tells the user roles apart.
 */
export function certificateRolesFor(useCase: string, messageCode?: number): RemotePartyRole[] {
  return certificateRolesOf(eligibleRoles(useCase, messageCode));
}

/** Which supplier's credentials the hub holds for electricity (the CHF's anchor) and for gas (the GPF's). */
export interface SupplyArrangement {
  electricity?: Eui64;
  gas?: Eui64;
}

/** Two different suppliers hold the electricity and gas anchors. */
export function isSplitSupply(supply: SupplyArrangement): boolean {
  return supply.electricity !== undefined && supply.gas !== undefined && supply.electricity !== supply.gas;
}

const DCC_ROLE_OF: Partial<Record<RemotePartyRole, DccRole>> = {
  accessControlBroker: 'ACB',
  wanProvider: 'WANP',
  transitionalCoS: 'TCOS',
  root: 'ROOT',
  recovery: 'RECOVERY',
};

/** The roles a party holds, from its certificate role and, for a supplier, the supply arrangement. */
export function partyRoles(party: { eui: Eui64; role: RemotePartyRole }, supply: SupplyArrangement): PartyRole[] {
  switch (party.role) {
    case 'supplier': {
      if (supply.electricity === undefined && supply.gas === undefined) return ['EIS', 'GIS'];
      // With one anchor known, that supplier supplies both fuels.
      const electricity = supply.electricity ?? supply.gas;
      const gas = supply.gas ?? supply.electricity;
      const roles: PartyRole[] = [];
      if (party.eui === electricity) roles.push('EIS');
      if (party.eui === gas) roles.push('GIS');
      return roles.length > 0 ? roles : ['EES'];
    }
    case 'networkOperator':
      return ['ENO', 'GNO'];
    case 'otherUser':
      return ['OU'];
    default: {
      const dcc = DCC_ROLE_OF[party.role];
      return dcc ? [dcc] : [];
    }
  }
}

/** Whose a Device is, for adding it to (CCS01) or removing it from (CCS02) the CHF Device Log. */
export const DEVICE_LOG_CHANGERS: Readonly<Record<DeviceType, readonly PartyRole[]>> = {
  ESME: ['EIS'],
  HCALCS: ['EIS'],
  GSME: ['GIS'],
  // Adding the GPF; removing it decommissions the hub's gas functions (DECOMMISSIONING below).
  GPF: ['EIS', 'GIS'],
  PPMID: ['EIS', 'GIS'],
  HHT: ['EIS', 'GIS'],
  Unknown: ['EIS', 'GIS'],
  // Never loggable: CCS01 answers the command's fault, so who sent it is no matter of authority.
  CHF: ['EIS', 'GIS'],
  Type2: ['EIS', 'EES', 'GIS', 'OU'],
};

/** The lead supplier's alone: the operations that take the hub, or its gas functions, out of service. */
export const DECOMMISSIONING_ROLES: readonly PartyRole[] = ['EIS'];

/** At split supply, the supplier role a Device's own supplier commands belong to (its supplier anchor). */
export const DEVICE_SUPPLIER: Readonly<Record<'CHF' | 'GPF', UserRole>> = { CHF: 'EIS', GPF: 'GIS' };

/** CS02b codes a supplier sends: they replace credentials on the recipient Device, so they are that Device's supplier's. */
const SUPPLIER_CREDENTIAL_CODES: ReadonlySet<number> = new Set([0x0100, 0x0102]);

export interface RoleRequest {
  useCase: string;
  messageCode: number;
  recipient: 'CHF' | 'GPF';
  party: { eui: Eui64; role: RemotePartyRole };
  supply: SupplyArrangement;
  /** CCS01/CCS02: the Device added or removed and its type (undefined where the log does not hold it). */
  subject?: { eui64: Eui64; deviceType: DeviceType | undefined };
  /** The hub's GPF, so removing it is known as decommissioning. */
  gpf: Eui64;
  /** Whether the CHF Device Log holds a Device of this type now. */
  deviceLogHolds(type: DeviceType): boolean;
}

/** Which rule refused: the table's row, a supplier acting on the other fuel's Device, decommissioning, the gas meter's minimum, the Device's type. */
export type RoleRule = 'table' | 'device-supplier' | 'decommission' | 'gas-minimum' | 'device-type';

export type RoleDecision = { allowed: true; roles: readonly PartyRole[] } | { allowed: false; rule: RoleRule; reason: string };

const names = (roles: readonly PartyRole[]): string => (roles.length === 0 ? 'no party' : roles.join(' or '));

/** The policy for one command: the table, then the rule for what it acts on. Pure: reads only what it is given. */
export function decideRole(request: RoleRequest): RoleDecision {
  const { useCase, messageCode, recipient, supply } = request;
  const split = isSplitSupply(supply);
  let held = partyRoles(request.party, supply);
  const table = eligibleRoles(useCase, messageCode);
  const refuse = (rule: RoleRule, reason: string): RoleDecision => ({ allowed: false, rule, reason });
  if (!held.some((role) => table.includes(role))) {
    return refuse('table', `${useCase} is for ${names(table)}; the party is ${names(held)}`);
  }
  if (split && (recipient === 'GPF' || SUPPLIER_CREDENTIAL_CODES.has(messageCode))) {
    // A supplier acts on a Device only as that Device's supplier; other roles are untouched.
    const own = DEVICE_SUPPLIER[recipient];
    held = held.filter((role) => !(role === 'EIS' || role === 'GIS') || role === own);
    if (!held.some((role) => table.includes(role))) return refuse('device-supplier', `at split supply ${useCase} on the ${recipient} is the ${PARTY_ROLES[own]}'s`);
  }
  if (useCase === 'CCS03' && !held.some((role) => DECOMMISSIONING_ROLES.includes(role))) {
    return refuse('decommission', 'replacing the CHF Device Log takes the hub out of service: the lead (electricity) supplier only');
  }
  if ((useCase === 'CCS01' || useCase === 'CCS02') && request.subject) {
    return deviceLogChange(request, held, split, request.subject);
  }
  return { allowed: true, roles: held };
}

function deviceLogChange(request: RoleRequest, held: readonly PartyRole[], split: boolean, subject: NonNullable<RoleRequest['subject']>): RoleDecision {
  const removing = request.useCase === 'CCS02';
  const verb = removing ? 'remove' : 'add';
  if (removing && subject.eui64 === request.gpf) {
    if (!held.some((role) => DECOMMISSIONING_ROLES.includes(role))) {
      return { allowed: false, rule: 'decommission', reason: 'removing the GPF takes the hub\'s gas functions out of service: the lead (electricity) supplier only' };
    }
    if (split && request.deviceLogHolds('GSME')) {
      return { allowed: false, rule: 'gas-minimum', reason: 'at split supply the GPF stays while a GSME is in the Device Log: the gas supplier removes its meter first' };
    }
    return { allowed: true, roles: held };
  }
  // A Device the log does not hold (CCS02) or a type code GBCS does not define (CCS01) counts as Type 1.
  const type = subject.deviceType ?? 'Unknown';
  const changers = DEVICE_LOG_CHANGERS[type];
  if (!held.some((role) => changers.includes(role))) {
    return { allowed: false, rule: 'device-type', reason: `only ${names(changers)} may ${verb} a ${type}` };
  }
  return { allowed: true, roles: held };
}
