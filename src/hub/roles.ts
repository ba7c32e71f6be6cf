import type { RemotePartyRole } from '../security/certificates.js';

/**
 * Who may ask for what, as data. SEC services and the user roles eligible for each come from the
 * Smart Energy Code's User Gateway Services Schedule; the hub cannot see an SEC user role, only the
 * role in the remote party's certificate (its OU), so each user role maps to the certificate role a
 * party holding it presents. Import, export and gas suppliers all present a supplier certificate;
 * electricity and gas network operators a network operator certificate.
 */
export type UserRole = 'EIS' | 'EES' | 'GIS' | 'ENO' | 'GNO' | 'OU' | 'SNA';

export const CERTIFICATE_ROLE_OF_USER: Readonly<Record<UserRole, RemotePartyRole | undefined>> = {
  EIS: 'supplier',
  EES: 'supplier',
  GIS: 'supplier',
  ENO: 'networkOperator',
  GNO: 'networkOperator',
  OU: 'otherUser',
  // The Registration Data Provider has no remote party certificate role of its own.
  SNA: undefined,
};

/** Service reference → eligible user roles (roles.md). */
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
 * GCS60 have no row in the services schedule held here: they take the nearest service (read device
 * configuration, read prepayment values), which a later schedule may refine.
 */
export const USE_CASE_SERVICE: ReadonlyMap<string, string> = new Map([
  ['CCS01', '8.11'], ['CCS02', '8.11'], ['CCS03', '8.12'], ['CCS06', '8.9'], ['CCS07', '8.9'],
  ['CS07', '8.9'], ['ECS35c', '6.13'], ['ECS35d', '6.13'], ['CS10a', '6.13'], ['CS10b', '6.13'],
  ['CS11', '3.3'], ['ECS26n', '6.2'], ['CS02a', '6.24'], ['CS02e', '6.24'], ['CS02f', '6.24'],
  ['CS02b', '6.15'], ['CS02c', '6.17'], ['CS02d', '6.15'],
  ['CS05a', '11.1'], ['CS06', '11.3'], ['CS08', '11.2'],
  ['DBCH01', '6.2'], ['DBCH02', '6.2'], ['DBCH03', '6.2'], ['DBCH04', '6.15'], ['DBCH05', '6.15'],
  ['GCS09', '3.2'], ['GCS11', '3.5'], ['GCS13a', '4.1'], ['GCS13b', '4.1'], ['GCS13c', '4.1'], ['GCS14', '4.3'],
  ['GCS16b', '4.14'], ['GCS60', '4.3'], ['GCS61', '4.17'], ['GCS59', '8.12'],
]);

/**
 * Security Credentials updates (CS02b) are each made by one kind of party, named in the message
 * code's title ("supplierBySupplier"): the certificate role that may send each one.
 */
export const CREDENTIAL_UPDATE_ROLES: ReadonlyMap<number, readonly RemotePartyRole[]> = new Map<number, RemotePartyRole[]>([
  [0x0100, ['supplier']],
  [0x0101, ['wanProvider']],
  [0x0102, ['supplier']],
  [0x0103, ['networkOperator']],
  [0x0104, ['accessControlBroker']],
  [0x0105, ['wanProvider']],
  [0x0106, ['transitionalCoS']],
  [0x0107, ['transitionalCoS']],
  [0x0108, ['root']],
  [0x0109, ['root']],
]);

/** The certificate roles that may invoke a use case (empty when the use case has no service row). */
export function certificateRolesFor(useCase: string, messageCode?: number): RemotePartyRole[] {
  const byCode = messageCode === undefined ? undefined : CREDENTIAL_UPDATE_ROLES.get(messageCode);
  if (byCode) return [...byCode];
  const service = USE_CASE_SERVICE.get(useCase);
  const users = service === undefined ? [] : SERVICE_ROLES.get(service) ?? [];
  const roles = new Set<RemotePartyRole>();
  for (const user of users) {
    const role = CERTIFICATE_ROLE_OF_USER[user];
    if (role) roles.add(role);
  }
  return [...roles];
}
