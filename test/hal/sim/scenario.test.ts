import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioError } from '../../../hal/sim/scenario.js';

const ESME = `  - name: esme
    eui64: 00-DB-12-34-56-78-90-A0
    type: ESME
    installCode: 83FED3407A939723A5C639B26916D505C3B5
`;

function failure(text: string, source = 'han.yaml'): ScenarioError {
  try {
    parseScenario(text, source);
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

describe('scenario files', () => {
  it('loads the built-in HAN with the devices the tests rely on', async () => {
    const scenario = await loadScenario(undefined);
    const byName = new Map(scenario.devices.map((d) => [d.name, d]));
    expect(byName.get('esme')).toMatchObject({ eui64: '00DB1234567890A0', type: 'ESME', installCode: '83FED3407A939723A5C639B26916D505C3B5' });
    expect(byName.get('gsme')).toMatchObject({ eui64: '00DB1234567890A1', type: 'GSME', sleepy: true });
    expect(byName.get('gsme')!.wakeIntervalSeconds).toBeGreaterThan(0);
    expect(byName.get('ppmid')).toMatchObject({ eui64: '00DB1234567890A4', type: 'PPMID' });
    expect(byName.get('ihd')?.type).toBe('IHD');
    const intruder = byName.get('intruder')!;
    expect(intruder.installCode).not.toBe(intruder.declaredInstallCode);
    expect(scenario.network.dualBand).toBe(false);
  });

  it('fills defaults and keeps explicit settings', () => {
    const scenario = parseScenario(`network:\n  channel: 20\nfaults:\n  corruptOneIn: 200\n  seed: 7\ndevices:\n${ESME}`, 'x.yaml');
    expect(scenario.network.channel).toBe(20);
    expect(scenario.faults).toMatchObject({ corruptOneIn: 200, dropOneIn: 0, seed: 7, directions: ['toHost', 'toNcp'] });
    expect(scenario.devices[0]!.declaredInstallCode).toBe(scenario.devices[0]!.installCode);
  });

  it('names the file and the key path of every schema problem', () => {
    const error = failure(`devices:\n  - name: x\n    eui64: zz\n    type: FRIDGE\n    installCode: 83FE\n    colour: red\n`);
    expect(error.code).toBe('SCENARIO_INVALID');
    expect(error.where).toBe('han.yaml');
    expect(error.message).toContain('devices[0].eui64');
    expect(error.message).toContain('devices[0].type must be one of ESME');
    expect(error.message).toContain('devices[0].installCode');
    expect(error.message).toContain('devices[0].colour is not a known setting');
  });

  it('rejects a missing device list, out-of-range channels and unknown fault directions', () => {
    const missing = failure('network:\n  channel: 9\n').message;
    expect(missing).toContain('devices is required');
    expect(missing).toContain('network.channel must be >= 11');
    const error = failure(`network:\n  channel: 27\nfaults:\n  directions: [sideways]\ndevices:\n${ESME}`);
    expect(error.message).toContain('network.channel');
    expect(error.message).toContain('faults.directions[0] must be one of toHost, toNcp');
  });

  it('rejects repeated EUI-64s and names, and a sleepy device without a wake interval', () => {
    expect(failure(`devices:\n${ESME}${ESME.replace('name: esme', 'name: other')}`).message).toContain('devices[1].eui64 repeats the EUI-64 of esme');
    expect(failure(`devices:\n${ESME}${ESME.replace('A0', 'A9')}`).message).toContain('devices[1].name');
    expect(failure(`devices:\n${ESME}    sleepy: true\n`).message).toContain('devices[0].wakeIntervalSeconds is required');
  });

  it('rejects an install code whose CRC does not match', () => {
    const error = failure(`devices:\n${ESME.replace('C3B5', 'C3B6')}`);
    expect(error.message).toBe('han.yaml: devices[0].installCode CRC does not match (mistyped or damaged install code)');
  });

  it('reports YAML syntax errors with a line and an unreadable file by path', async () => {
    expect(failure('*!').message).toContain('Unresolved alias');
    const syntax = failure('devices: [\n  - name: x\n');
    expect(syntax.code).toBe('SCENARIO_SYNTAX');
    expect(syntax.where).toMatch(/^han\.yaml:\d+:\d+$/);
    const dir = await mkdtemp(join(tmpdir(), 'scenario-'));
    await expect(loadScenario(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'SCENARIO_UNREADABLE' });
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'devices: 3\n');
    await expect(loadScenario(file)).rejects.toThrow(`${file}: devices must be array`);
  });

  it('answers any text or document with a scenario or a ScenarioError, nothing else', () => {
    const documents = fc.oneof(
      fc.string(),
      fc.anything().map((value) => String(stringify(value) ?? '')),
      fc.record({ devices: fc.array(fc.dictionary(fc.constantFrom('name', 'eui64', 'type', 'installCode', 'sleepy'), fc.oneof(fc.string(), fc.boolean(), fc.integer()))) }).map((v) => stringify(v)),
    );
    fc.assert(
      fc.property(documents, (text) => {
        try {
          const scenario = parseScenario(text, 'fuzz.yaml');
          expect(Array.isArray(scenario.devices)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ScenarioError);
          expect((error as ScenarioError).where).toMatch(/^fuzz\.yaml/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
