import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_TYPE_NAMES, type DeviceType } from '../../../src/security/device-types.js';
import { ROLE_BY_OU } from '../../../src/security/certificates.js';
import { HUB_EVENTS, resolveCode } from '../../../src/logs/event-codes.js';
import {
  DCC_USE_CASES,
  decideRole,
  eligibleRoles,
  isSplitSupply,
  partyRoles,
  ROLE_POLICY,
  SERVICE_ROLES,
  type RoleRequest,
  type SupplyArrangement,
} from '../../../src/security/role-policy.js';

const E = '90B3D51F30010000';
const G = '90B3D51F30030000';
const OTHER = '90B3D51F30050000';
const GPF = '00DB1234567890A3';
const SPLIT: SupplyArrangement = { electricity: E, gas: G };

function request(overrides: Partial<RoleRequest> & Pick<RoleRequest, 'useCase'>, held: readonly DeviceType[] = []): RoleRequest {
  return {
    messageCode: 0,
    recipient: 'CHF',
    party: { eui: E, role: 'supplier' },
    supply: SPLIT,
    gpf: GPF,
    deviceLogHolds: (type) => held.includes(type),
    ...overrides,
  };
}

describe('the role policy table', () => {
  it('has one row per use case, CS02b one per code, each row naming roles from roles.md', () => {
    const keys = ROLE_POLICY.map((row) => `${row.useCase}/${row.messageCode ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const row of ROLE_POLICY.filter((r) => r.service && r.messageCode === undefined)) {
      expect(row.roles, row.useCase).toEqual([...SERVICE_ROLES.get(row.service!)!, ...(DCC_USE_CASES.get(row.useCase) ?? [])]);
    }
    expect(eligibleRoles('CS02a')).toEqual(['EIS', 'GIS', 'ENO', 'GNO', 'ACB']);
    // Each CS02b code is sent by one kind of party: a supplier's and a network operator's codes narrow service 6.15.
    for (const row of ROLE_POLICY.filter((r) => r.useCase === 'CS02b')) {
      const users = row.roles.filter((role) => SERVICE_ROLES.get('6.15')!.includes(role as never));
      expect(users.length === 0 || users.length === row.roles.length, row.messageCode?.toString(16)).toBe(true);
    }
    expect(eligibleRoles('CCS06')).toEqual(['EIS', 'GIS', 'OU']);
    expect(eligibleRoles('GCS59')).toEqual(['ACB']);
    expect(eligibleRoles('CS02b', 0x0107)).toEqual(['TCOS']);
    expect(eligibleRoles('NOPE')).toEqual([]);
  });

  it('gives each CS02b code the party its title names: the recovery key anyExceptAbnormalRootByRecovery, the root\'s cell (contingency) anyByContingency', () => {
    const party = (role: 'recovery' | 'root' | 'wanProvider' | 'transitionalCoS') => ({ eui: OTHER, role });
    const cs02b = (messageCode: number, role: Parameters<typeof party>[0]) => decideRole(request({ useCase: 'CS02b', messageCode, party: party(role) })).allowed;
    expect(partyRoles(party('recovery'), SPLIT)).toEqual(['RECOVERY']);
    expect([cs02b(0x0108, 'recovery'), cs02b(0x0108, 'root'), cs02b(0x0109, 'root'), cs02b(0x0109, 'recovery')]).toEqual([true, false, true, false]);
    expect([cs02b(0x0105, 'wanProvider'), cs02b(0x0105, 'transitionalCoS'), cs02b(0x0107, 'transitionalCoS'), cs02b(0x0107, 'wanProvider')]).toEqual([true, false, true, false]);
    // The certificate's OU is the role's GBCS code.
    expect([ROLE_BY_OU['00'], ROLE_BY_OU['01'], ROLE_BY_OU['05'], ROLE_BY_OU['06'], ROLE_BY_OU['08'], ROLE_BY_OU['09']]).toEqual(['root', 'recovery', 'transitionalCoS', 'wanProvider', 'otherUser', undefined]);
  });

  it('tells the suppliers apart by the anchors they hold', () => {
    expect(partyRoles({ eui: E, role: 'supplier' }, {})).toEqual(['EIS', 'GIS']);
    expect(partyRoles({ eui: OTHER, role: 'supplier' }, { electricity: E, gas: E })).toEqual(['EES']);
    expect(partyRoles({ eui: E, role: 'supplier' }, { electricity: E })).toEqual(['EIS', 'GIS']);
    expect(partyRoles({ eui: E, role: 'supplier' }, SPLIT)).toEqual(['EIS']);
    expect(partyRoles({ eui: G, role: 'supplier' }, SPLIT)).toEqual(['GIS']);
    expect(partyRoles({ eui: OTHER, role: 'networkOperator' }, SPLIT)).toEqual(['ENO', 'GNO']);
    expect(partyRoles({ eui: OTHER, role: 'issuingAuthority' }, SPLIT)).toEqual([]);
    expect(isSplitSupply({ electricity: E, gas: E })).toBe(false);
    expect(isSplitSupply({ gas: G })).toBe(false);
  });

  it('gives the export supplier only what the table gives EES', () => {
    const ees = { eui: OTHER, role: 'supplier' } as const;
    expect(decideRole(request({ useCase: 'CCS06', party: ees }))).toMatchObject({ allowed: false, rule: 'table' });
    const type2 = { eui64: '00DB1234567890B0', deviceType: 'Type2' as const };
    expect(decideRole(request({ useCase: 'CCS01', party: ees, subject: type2 }))).toMatchObject({ allowed: true });
    expect(decideRole(request({ useCase: 'CCS01', party: ees, subject: { eui64: type2.eui64, deviceType: 'PPMID' } }))).toMatchObject({ allowed: false, rule: 'device-type' });
  });

  it('lets a network operator read the gas registers at split supply, but not a supplier of electricity', () => {
    expect(decideRole(request({ useCase: 'GCS13a', recipient: 'GPF', party: { eui: OTHER, role: 'networkOperator' } }))).toMatchObject({ allowed: true });
    expect(decideRole(request({ useCase: 'GCS13a', recipient: 'GPF' }))).toMatchObject({ allowed: false, rule: 'device-supplier' });
    expect(decideRole(request({ useCase: 'GCS13a', recipient: 'GPF', party: { eui: G, role: 'supplier' } }))).toMatchObject({ allowed: true });
  });

  it('only ever narrows the table: whatever it allows, the party holds a role the use case\'s row names (property)', () => {
    const eui = fc.constantFrom(E, G, OTHER, GPF);
    const useCase = fc.constantFrom(...new Set(ROLE_POLICY.map((row) => row.useCase)), 'NOPE');
    const anchors = fc.record({ electricity: fc.option(eui, { nil: undefined }), gas: fc.option(eui, { nil: undefined }) });
    fc.assert(
      fc.property(useCase, fc.integer({ min: 0x0100, max: 0x0109 }), fc.constantFrom('CHF' as const, 'GPF' as const), eui, fc.constantFrom(...Object.values(ROLE_BY_OU)), anchors,
        fc.option(fc.record({ eui64: eui, deviceType: fc.option(fc.constantFrom(...DEVICE_TYPE_NAMES), { nil: undefined }) }), { nil: undefined }),
        fc.subarray(DEVICE_TYPE_NAMES),
        (name, messageCode, recipient, partyEui, role, raw, subject, held) => {
          const supply = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as SupplyArrangement;
          const decision = decideRole({ useCase: name, messageCode, recipient, party: { eui: partyEui, role }, supply, gpf: GPF, deviceLogHolds: (t) => held.includes(t), ...(subject ? { subject } : {}) });
          const table = eligibleRoles(name, messageCode);
          if (decision.allowed) expect(partyRoles({ eui: partyEui, role }, supply).some((r) => table.includes(r))).toBe(true);
          else expect(decision.reason.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('records what a Type 2 Device sends as lacking authority', () => {
    expect(resolveCode('RECEIVE_ONLY_DEVICE_SENT')).toBe(HUB_EVENTS.sourceLacksAuthority.code);
  });
});
