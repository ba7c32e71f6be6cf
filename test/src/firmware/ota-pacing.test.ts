import { afterEach, expect, it } from 'vitest';
import { OTA_BLOCK_PERIOD_MS, otaPacing } from '../../../src/firmware/ota-pacing.js';
import { SUB_GHZ_MAX_PSDU_OCTETS } from '../../../src/subghz/constants.js';
import { ESME, Fixture } from '../subghz/helpers.js';

/** The minimum block period the OTA server asks of a Device follows the real Sub GHz state's duty-cycle level. */
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.dispose();
  fixture = undefined;
});

it('serves blocks back to back while the duty cycle is normal, and spaces them out as the hub nears its limits', async () => {
  fixture = await Fixture.create();
  const pacing = otaPacing(fixture.state, () => fixture!.clock.now());
  expect(pacing(ESME)).toBe(0);
  const seen = new Set<number>([pacing(ESME)]);
  // The hub's own airtime climbs through the levels within the hour.
  for (let i = 0; i < 20_000 && fixture.state.dutyCycleLevel() !== 'critical'; i++) {
    await fixture.state.hubTransmitted(SUB_GHZ_MAX_PSDU_OCTETS);
    await fixture.clock.advance(1);
    expect(pacing(ESME)).toBeGreaterThanOrEqual(OTA_BLOCK_PERIOD_MS[fixture.state.dutyCycleLevel()]);
    seen.add(pacing(ESME));
  }
  expect(fixture.state.dutyCycleLevel()).not.toBe('normal');
  expect(seen.size).toBeGreaterThan(1);
});
