import { expect, it } from 'vitest';
import { messageCodeEntry } from '../../src/gbcs/index.js';
import { ALL_HANDLERS } from '../../src/hub/handlers.js';
import type { RemotePartyRole } from '../../src/security/certificates.js';
import { describeRtds } from '../helpers/rtds.js';
import { RTDS_ACB } from './harness.js';
import { ALL_ROWS, MATRIX_COMMANDS, type MatrixCommand } from './role-matrix-commands.js';
import { hex4, matrixRows, type Party } from './role-matrix-runner.js';

/**
 * Who may ask the hub for what, cell by cell: every use case the hub executes, sent by a party of
 * every remote party role the RTDS keystore holds, through the whole GBCS pipeline (MACed as the
 * Access Control Broker; critical ones originated and signed by the party itself). The expected
 * matrix is written out here from roles.md and the GBCS mapping table, not read from the hub's
 * own policy, so a wrong policy table shows up as a failing cell.
 */

/**
 * roles.md, the rows the hub's use cases name: service, then its eligible user roles. 8.7 (join)
 * and 8.8 (unjoin) have a row for each class of Device.
 */
const ROLES_MD = `
  3.2   EIS GIS
  3.3   EIS GIS
  3.5   EIS GIS
  4.1   EIS GIS ENO GNO
  4.3   EIS GIS
  4.14  EIS GIS
  4.17  EIS GIS ENO GNO OU
  6.2   EIS EES GIS SNA ENO GNO OU
  6.13  EIS GIS ENO SNA
  6.15  EIS GIS ENO GNO
  6.24  EIS GIS ENO GNO
  8.7/type1  EIS GIS
  8.7/type2  EIS GIS OU
  8.8/type1  EIS GIS
  8.8/type2  EIS GIS OU
  8.9   EIS GIS OU
  8.11  EIS EES GIS OU
  8.12  EIS EES GIS
  11.2  EIS EES GIS SNA ENO GNO OU
  11.3  EIS GIS
`;

/**
 * The certificate a party holding each user role presents (roles.md: the hub sees only that).
 * The Registration Data Provider (SNA) has none, so its eligibility admits no certificate role.
 */
const CERTIFICATE_OF_USER: Readonly<Record<string, RemotePartyRole | undefined>> = {
  EIS: 'supplier', EES: 'supplier', GIS: 'supplier', ENO: 'networkOperator', GNO: 'networkOperator', OU: 'otherUser', SNA: undefined,
};

/**
 * Use case → service: the mapping table's Service Reference; where it says "See GBCS", the GBCS
 * README (CS02a reads credentials: 6.24; GCS59 restores the GPF Device Log: 8.12, but see DCC_ONLY). The rows marked
 * "no roles.md row" have a service the schedule in roles.md does not list (GCS60 4.18, DBCH 6.28-6.32):
 * they are held to the nearest listed service, a choice, not a quotation.
 */
const SERVICE_OF: Readonly<Record<string, string>> = {
  CCS01: '8.11', CCS02: '8.11', CCS03: '8.12', CCS04: '8.9', CCS06: '8.9', CCS07: '8.9', CS07: '8.9',
  CS02a: '6.24', CS11: '3.3', ECS26i: '6.2', ECS26n: '6.2', ECS35c: '6.13', ECS35d: '6.13', CS06: '11.3', ECS52: '11.2',
  GCS09: '3.2', GCS11: '3.5', GCS13a: '4.1', GCS13b: '4.1', GCS13c: '4.1', GCS14: '4.3', GCS16b: '4.14', GCS61: '4.17', GCS59: '8.12',
  // No roles.md row: a meter balance is a prepayment value (4.3); the Sub GHz reads are device
  // configuration (6.2); setting it and asking for a scan change the CHF as credentials do (6.15).
  GCS60: '4.3', GCS60a: '4.3', DBCH01: '6.2', DBCH02: '6.2', DBCH03: '6.2', DBCH04: '6.15', DBCH05: '6.15',
};

/** CS02b: each Message Code's title names the one kind of party that sends it ("supplierBySupplier"). */
const CS02B_SENDER: Readonly<Record<number, RemotePartyRole>> = {
  0x0100: 'supplier', // rootBySupplier
  0x0101: 'wanProvider', // rootByWanProvider
  0x0102: 'supplier', // supplierBySupplier
  0x0103: 'networkOperator', // networkOperatorByNetworkOperator
  0x0104: 'accessControlBroker', // accessControlBrokerByACB
  0x0105: 'wanProvider', // wanProviderByWanProvider
  0x0106: 'transitionalCoS', // transCoSByTransCoS
  0x0107: 'transitionalCoS', // supplierByTransCoS
  0x0108: 'recovery', // anyExceptAbnormalRootByRecovery
  // The contingency key is held in the root's cell; the RTDS keystore has no root (OU 00) party to send it.
  0x0109: 'root', // anyByContingency
};

function rolesOfService(service: string): Set<RemotePartyRole> {
  const row = ROLES_MD.trim().split('\n').map((line) => line.trim().split(/\s+/)).find(([ref]) => ref === service);
  if (!row) throw new Error(`roles.md has no row ${service}`);
  return new Set(row.slice(1).flatMap((user) => CERTIFICATE_OF_USER[user] ?? []));
}

/**
 * A Device Log change is also a join (CCS01, 8.7) or an unjoin (CCS02, 8.8), whose rows depend on
 * the Device: only those eligible for both may send it (roles.md: Type 2 Devices may be joined by
 * other users; Type 1 only by the import or gas supplier). The GPF counts with Type 1.
 */
const JOIN_SERVICE: Readonly<Record<string, string>> = { CCS01: '8.7', CCS02: '8.8' };

/**
 * GCS59's mapping row says "See GBCS"; the public RTDS (4.5.0, 8.12.2) has its command originated by
 * the Access Control Broker itself with no remote party in the header: the DCC restores a GPF's
 * Device Log after a hub replacement, no user sends it.
 */
const DCC_ONLY: Readonly<Record<string, RemotePartyRole>> = { GCS59: 'accessControlBroker' };

/**
 * CS02a is a user service (6.24) and the DCC's own too: the public RTDS (NA_CS02aSignature) has the
 * Access Control Broker originate it with no remote party in the header, asking about its own cells.
 */
const DCC_ALSO: Readonly<Record<string, RemotePartyRole>> = { CS02a: 'accessControlBroker' };

function expectedRoles(command: MatrixCommand): Set<RemotePartyRole> {
  if (command.useCase === 'CS02b') return new Set([CS02B_SENDER[command.messageCode]!]);
  const dcc = DCC_ONLY[command.useCase];
  if (dcc) return new Set([dcc]);
  const service = SERVICE_OF[command.useCase];
  if (!service) throw new Error(`no service written down for ${command.useCase}`);
  const roles = rolesOfService(service);
  const dccToo = DCC_ALSO[command.useCase];
  if (dccToo) roles.add(dccToo);
  const join = JOIN_SERVICE[command.useCase];
  if (!join) return roles;
  if (!command.deviceClass) throw new Error(`${command.useCase} needs the class of the Device it changes`);
  const joiners = rolesOfService(`${join}/${command.deviceClass}`);
  return new Set([...roles].filter((role) => joiners.has(role)));
}

/**
 * The remote parties of the RTDS keystore, one per certificate role it holds, as their certificates'
 * OU names them (GBCS role codes; the shared RTDS notes label -04 the WAN provider and -07 the
 * transitional CoS, which the OUs and the CS02b vectors they originate contradict). The keystore
 * holds no root (OU 00) party.
 */
const PARTIES: readonly Party[] = [
  { name: 'supplier', eui: '90B3D51F30010000', role: 'supplier' },
  { name: 'network operator', eui: '90B3D51F30020000', role: 'networkOperator' },
  { name: 'other user', eui: '90B3D51F30010008', role: 'otherUser' },
  { name: 'access control broker', eui: RTDS_ACB, role: 'accessControlBroker' },
  { name: 'WAN provider', eui: '90B3D51F30000007', role: 'wanProvider' },
  { name: 'transitional change of supplier', eui: '90B3D51F30000004', role: 'transitionalCoS' },
  { name: 'recovery', eui: '90B3D51F30000001', role: 'recovery' },
];

describeRtds('role matrix: every use case the hub executes × every remote party role', () => {
  it('has a row for every Message Code a handler executes, and no other', () => {
    const executed = ALL_HANDLERS.flatMap((handler) => handler.messageCodes.map((code) => `${handler.device}/${hex4(code)}`)).sort();
    expect([...new Set(MATRIX_COMMANDS.map((command) => `${command.device}/${hex4(command.messageCode)}`))].sort()).toEqual(executed);
    for (const command of ALL_ROWS) {
      expect(messageCodeEntry(command.messageCode)).toMatchObject({ useCase: command.useCase, critical: command.critical });
    }
  });

  matrixRows(ALL_ROWS, PARTIES, (command, party) => expectedRoles(command).has(party.role));
});

