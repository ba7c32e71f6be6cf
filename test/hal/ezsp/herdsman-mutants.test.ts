import { describe, expect, it } from 'vitest';
import { FRAMES, MAX_EZSP_VERSION, MIN_EZSP_VERSION, type FieldSpec, type FrameName } from '../../../hal/ezsp/frames.js';
import type { WireTypeName } from '../../../hal/ezsp/wire-types.js';
import { CALLBACKS, COMMANDS, type CallbackBinding, type CommandBinding } from './herdsman-bindings.js';
import { checkCallback, checkCommand } from './herdsman-check.js';

/**
 * The check against zigbee-herdsman catches a wrong table: every field of every frame is moved
 * (swapped with its neighbour) and, where it has a plain type, retyped, one mutation at a time in
 * the live frame table, and the check must fail for each. A mutant it let through would be a
 * layout the check cannot tell from the right one.
 */
const VERSIONS = [MIN_EZSP_VERSION, MAX_EZSP_VERSION];
const RUNS = 8;

/** A different type for a field of each plain type: another width, or another signedness. */
const RETYPE: Partial<Record<WireTypeName, WireTypeName>> = {
  uint8: 'uint16',
  int8: 'uint8',
  uint16: 'uint8',
  uint32: 'uint16',
  bool: 'uint16',
  status: 'uint16',
  eui64: 'key',
  key: 'eui64',
};

interface Mutant {
  describe: string;
  apply(fields: FieldSpec[]): void;
}

function applies(field: FieldSpec, version: number): boolean {
  return (field.since === undefined || version >= field.since) && (field.until === undefined || version <= field.until);
}

/** Every swap of neighbouring fields this version carries, and every retype of one of them. */
function mutants(fields: readonly FieldSpec[], version: number): Mutant[] {
  const present = fields.map((field, index) => ({ field, index })).filter(({ field }) => applies(field, version));
  const out: Mutant[] = [];
  for (let i = 0; i + 1 < present.length; i++) {
    const [a, b] = [present[i]!, present[i + 1]!];
    if (a.field.name === b.field.name) continue;
    out.push({
      describe: `${a.field.name} <-> ${b.field.name}`,
      apply: (list) => {
        list[a.index] = b.field;
        list[b.index] = a.field;
      },
    });
  }
  for (const { field, index } of present) {
    const type = RETYPE[field.type];
    if (type) out.push({ describe: `${field.name}: ${field.type} -> ${type}`, apply: (list) => void (list[index] = { ...field, type }) });
  }
  return out;
}

async function killed(check: () => Promise<void> | void): Promise<boolean> {
  try {
    await check();
    return false;
  } catch {
    return true;
  }
}

async function survivors(name: FrameName, direction: 'request' | 'response', version: number, check: () => Promise<void> | void): Promise<string[]> {
  const live = FRAMES[name][direction] as unknown as FieldSpec[];
  const original = [...live];
  const left: string[] = [];
  for (const mutant of mutants(original, version)) {
    mutant.apply(live);
    try {
      if (!(await killed(check))) left.push(`${name} ${direction} v${version}: ${mutant.describe}`);
    } finally {
      live.splice(0, live.length, ...original);
    }
  }
  return left;
}

describe('EZSP frame table mutants against zigbee-herdsman', () => {
  for (const version of VERSIONS) {
    it(`every moved or retyped field fails the check (EZSP ${version})`, async () => {
      const left: string[] = [];
      let tried = 0;
      for (const [name, binding] of Object.entries(COMMANDS) as [FrameName, CommandBinding][]) {
        const check = () => checkCommand(name, binding, version, RUNS);
        await check(); // the unmutated table passes
        for (const direction of ['request', 'response'] as const) {
          tried += mutants(FRAMES[name][direction], version).length;
          left.push(...(await survivors(name, direction, version, check)));
        }
      }
      for (const [name, binding] of Object.entries(CALLBACKS) as [FrameName, CallbackBinding][]) {
        const check = () => checkCallback(name, binding, version, RUNS);
        tried += mutants(FRAMES[name].response, version).length;
        left.push(...(await survivors(name, 'response', version, check)));
      }
      expect(tried).toBeGreaterThan(100);
      expect(left).toEqual([]);
    }, 120_000);
  }
});
