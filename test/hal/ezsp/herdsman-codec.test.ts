import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeResponse } from '../../../hal/ezsp/codec.js';
import { FRAME_NAMES, MAX_EZSP_VERSION, MIN_EZSP_VERSION, type FrameName } from '../../../hal/ezsp/frames.js';
import { CALLBACKS, COMMANDS, REQUEST_ONLY, type CallbackBinding, type CommandBinding } from './herdsman-bindings.js';
import { checkCallback, checkCommand } from './herdsman-check.js';
import { HerdsmanEzsp } from './herdsman-ezsp-oracle.js';

/**
 * Our EZSP codec against zigbee-herdsman's, frame by frame, in the oldest and newest protocol
 * versions the driver speaks (herdsman-check.ts says how), so a field moved, resized or retyped in
 * hal/ezsp/frames.ts shows here as a mismatch; herdsman-mutants.test.ts shows that it does.
 */
const VERSIONS = [MIN_EZSP_VERSION, MAX_EZSP_VERSION];

describe('EZSP codec against zigbee-herdsman', () => {
  it('has a herdsman counterpart for every frame in the table', () => {
    const covered = new Set<string>([...Object.keys(COMMANDS), ...Object.keys(CALLBACKS), ...REQUEST_ONLY, 'invalidCommand']);
    expect(FRAME_NAMES.filter((name) => !covered.has(name))).toEqual([]);
  });

  for (const version of VERSIONS) {
    describe(`EZSP ${version}`, () => {
      for (const [name, binding] of Object.entries(COMMANDS) as [FrameName, CommandBinding][]) {
        it(`${name}: herdsman's request decodes here and re-encodes to its bytes; our response decodes in herdsman`, async () => {
          await checkCommand(name, binding, version);
        });
      }

      for (const [name, binding] of Object.entries(CALLBACKS) as [FrameName, CallbackBinding][]) {
        it(`${name}: our callback decodes in herdsman to the same values`, () => checkCallback(name, binding, version));
      }

      it('callback: herdsman asks for callbacks with the frame our table calls callback', async () => {
        const oracle = new HerdsmanEzsp(version);
        const exchange = await oracle.command('ezspCallback', [], (bytes) => encodeResponse('noCallbacks', {}, bytes[0]!, version));
        expect(decodeFrame(exchange.request, version)).toMatchObject({ name: 'callback', direction: 'request' });
      });

      it("invalidCommand: herdsman fails the command with the NCP's reason", async () => {
        const oracle = new HerdsmanEzsp(version);
        for (const reason of [0x31, 0x36, 0x37, 0x38, 0x58]) {
          const exchange = await oracle.command('ezspNop', [], (bytes) => encodeResponse('invalidCommand', { reason }, bytes[0]!, version));
          expect(exchange.error).toMatchObject({ code: reason });
        }
      });
    });
  }
});
