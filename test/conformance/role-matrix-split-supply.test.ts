import type { Eui64 } from '../../hal/radio.js';
import { describeRtds } from '../helpers/rtds.js';
import { ALL_ROWS, type MatrixCommand } from './role-matrix-commands.js';
import { matrixRows, rowName, type Party } from './role-matrix-runner.js';

/**
 * Split supply: the electricity and the gas supplier are different parties, told apart by the
 * supplier anchor each holds (the CHF's, the lead's; the GPF's). Written by hand from the rules
 * src/security/role-policy.ts documents: a meter is its own supplier's to add or remove, a Type 2
 * Device either's; decommissioning (CCS03, removing the GPF) is the lead supplier's, and the GPF
 * stays while a GSME does; a supplier command to the GPF is the gas supplier's; a CS02b a supplier
 * sends to the CHF replaces the CHF's (electricity) anchor, so it is the electricity supplier's.
 * What neither supplier may send is not a supplier's at all.
 */
type Fuel = 'electricity' | 'gas';
const BOTH: readonly Fuel[] = ['electricity', 'gas'];
const SPLIT_SUPPLY: Readonly<Record<string, readonly Fuel[]>> = {
  'CCS01 ESME': ['electricity'], 'CCS01 GSME': ['gas'], 'CCS01 Type 2': BOTH,
  'CCS02 ESME': ['electricity'], 'CCS02 GSME': ['gas'], 'CCS02 Type 2': BOTH,
  'CCS02 GPF': ['electricity'], 'CCS02 GPF, GSME held': [],
  CCS03: ['electricity'],
  CCS04: BOTH, CCS06: BOTH, CCS07: BOTH, CS07: BOTH, CS02a: BOTH, CS11: BOTH, ECS26i: BOTH, ECS26n: BOTH, ECS35c: BOTH, ECS35d: BOTH, CS06: BOTH, ECS52: BOTH,
  DBCH01: BOTH, DBCH02: BOTH, DBCH03: BOTH, DBCH04: BOTH, DBCH05: BOTH,
  'CS02b 0x0100': ['electricity'], 'CS02b 0x0102': ['electricity'],
  'CS02b 0x0101': [], 'CS02b 0x0103': [], 'CS02b 0x0104': [], 'CS02b 0x0105': [], 'CS02b 0x0106': [], 'CS02b 0x0107': [], 'CS02b 0x0108': [], 'CS02b 0x0109': [],
  'GPF CS02b 0x0100': ['gas'], 'GPF CS02b 0x0102': ['gas'],
  'GPF CS02b 0x0101': [], 'GPF CS02b 0x0103': [], 'GPF CS02b 0x0104': [], 'GPF CS02b 0x0105': [], 'GPF CS02b 0x0106': [], 'GPF CS02b 0x0107': [], 'GPF CS02b 0x0108': [], 'GPF CS02b 0x0109': [],
  GCS09: ['gas'], GCS11: ['gas'], GCS13a: ['gas'], GCS13b: ['gas'], GCS13c: ['gas'], GCS14: ['gas'], GCS16b: ['gas'], GCS60: ['gas'], GCS60a: ['gas'], GCS61: ['gas'],
  GCS59: [],
};

const SPLIT_SUPPLIERS: Readonly<Record<Fuel, Eui64>> = { electricity: '90B3D51F30010000', gas: '90B3D51F30030000' };
const SUPPLIERS: ReadonlyArray<Party & { fuel: Fuel }> = [
  { name: 'electricity supplier', eui: SPLIT_SUPPLIERS.electricity, role: 'supplier', fuel: 'electricity' },
  { name: 'gas supplier', eui: SPLIT_SUPPLIERS.gas, role: 'supplier', fuel: 'gas' },
];

function splitSupplyAllows(command: MatrixCommand, party: Party): boolean {
  const fuels = SPLIT_SUPPLY[rowName(command)];
  if (!fuels) throw new Error(`no split-supply expectation written down for ${rowName(command)}`);
  return SUPPLIERS.some((supplier) => supplier.eui === party.eui && fuels.includes(supplier.fuel));
}

describeRtds('role matrix at split supply: the electricity supplier and the gas supplier', () => {
  matrixRows(ALL_ROWS, SUPPLIERS, splitSupplyAllows, SPLIT_SUPPLIERS);
});
