import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDbch01 } from '../../../../src/chf/use-cases/dbch01-read-sub-ghz-channel.js';
import { answerDbch03 } from '../../../../src/chf/use-cases/dbch03-read-sub-ghz-configuration.js';
import { answerDbch04 } from '../../../../src/chf/use-cases/dbch04-set-sub-ghz-configuration.js';
import { GbcsError } from '../../../../src/gbcs/index.js';
import { DBCH03, DBCH04 } from '../../../../src/gbcs/payload/dlms/chf.js';
import { encodeMask, SUB_GHZ_SETTINGS, toBits, type SubGhzPage } from '../../../../src/subghz/index.js';
import { Fixture } from '../../subghz/helpers.js';

let fixture: Fixture;
beforeAll(async () => {
  fixture = await Fixture.create();
});
afterAll(async () => {
  await fixture.dispose();
});

const PAGES: SubGhzPage[] = [28, 29, 30, 31];
const CHANNELS: Record<SubGhzPage, number> = { 28: 27, 29: 9, 30: 27, 31: 27 };

/** A configuration within every range the settings table gives, with at least one channel allowed. */
const configuration = fc
  .record({
    masks: fc.tuple(...PAGES.map((page) => fc.subarray([...Array(CHANNELS[page]).keys()]))),
    settings: fc.tuple(...SUB_GHZ_SETTINGS.map((spec) => fc.integer({ min: spec.min, max: Math.min(spec.max, spec.type === 'unsigned' ? 0xff : 0xffff) }))),
  })
  .filter(({ masks, settings }) => masks.some((m) => m.length > 0) && settings[0]! < settings[1]!);

describe('the DBCH handlers on any input', () => {
  it('any payload is answered or refused with a GbcsError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), async (raw) => {
        for (const answer of [(b: Buffer) => answerDbch01(b, fixture.state), (b: Buffer) => answerDbch03(b, fixture.state), (b: Buffer) => answerDbch04(b, fixture.state)]) {
          try {
            expect(Buffer.isBuffer(await answer(Buffer.from(raw)))).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(GbcsError);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('any configuration in range that DBCH04 sets, DBCH03 reads back as sent', async () => {
    await fc.assert(
      fc.asyncProperty(configuration, async ({ masks, settings }) => {
        const sent = {
          channelMasks: masks.map((channels, i) => ({ bits: 32, value: toBits(encodeMask(PAGES[i]!, channels)) })),
          settings: SUB_GHZ_SETTINGS.map((spec, i) => ({ type: spec.type, value: settings[i]! })),
        };
        const set = DBCH04.decodeResponse(await answerDbch04(DBCH04.encodeCommand({ invokeId: 1, parameters: { configuration: sent } }), fixture.state));
        expect(set.results.configuration.result).toBe(0);
        const read = DBCH03.decodeResponse(answerDbch03(DBCH03.encodeCommand({ invokeId: 2, parameters: { configuration: undefined } }), fixture.state));
        expect(read.results.configuration.value).toEqual(sent);
      }),
      { numRuns: 40 },
    );
  });
});
