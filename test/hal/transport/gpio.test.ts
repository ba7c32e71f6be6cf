import { describe, expect, it } from 'vitest';
import type { GpioLineSpec } from '../../../hal/boards.js';
import { ManualClock } from '../../../hal/clock.js';
import { GpioError, GpiodCliDriver, resetRadio } from '../../../hal/transport/gpio.js';

// No GPIO chip exists off the board, so the libgpiod tools are replaced by a recorder of the
// commands the driver would run; this is the one fake the project allows.
const GPIODETECT = `gpiochip0 [pinctrl-bcm2711] (58 lines)
gpiochip1 [raspberrypi-exp-gpio] (8 lines)
`;

function tools(version: string) {
  const calls: string[][] = [];
  const runner = async (file: string, args: string[]) => {
    calls.push([file, ...args]);
    if (file === 'gpioset' && args[0] === '--version') return { stdout: version };
    if (file === 'gpiodetect') return { stdout: GPIODETECT };
    return { stdout: '' };
  };
  return { calls, driver: new GpiodCliDriver(runner) };
}

const RESET: GpioLineSpec = { chip: 'pinctrl-bcm2711', line: 24, activeLow: true, pulseMs: 10, settleMs: 500 };

describe('GpiodCliDriver', () => {
  it('pulses with libgpiod v2 syntax, finding the chip by its label', async () => {
    const { calls, driver } = tools('gpioset (libgpiod) v2.1.3\n');
    await driver.pulse(RESET, 10);
    expect(calls.at(-1)).toEqual(['gpioset', '-c', 'gpiochip0', '-l', '-t', '10ms,0', '24=1']);
  });

  it('pulses with libgpiod v1 syntax, holding the value for the pulse', async () => {
    const { calls, driver } = tools('gpioset (libgpiod) v1.6.3\n');
    await driver.pulse({ chip: 'gpiochip1', line: 3, activeLow: false }, 25);
    expect(calls.at(-1)).toEqual(['gpioset', '-m', 'time', '-u', '25000', 'gpiochip1', '3=1']);
    expect(calls.some((c) => c[0] === 'gpiodetect')).toBe(false);
  });

  it('names a chip label that is not on this machine', async () => {
    const { driver } = tools('v2.1');
    const error = (await driver.resolveChip('pinctrl-rp1').catch((e: unknown) => e)) as GpioError;
    expect(error).toBeInstanceOf(GpioError);
    expect(error.code).toBe('GPIO_NO_CHIP');
    expect(error.where).toBe('pinctrl-rp1');
  });

  it('says how to install the tools when they are missing', async () => {
    const driver = new GpiodCliDriver(async () => {
      throw Object.assign(new Error('spawn gpioset ENOENT'), { code: 'ENOENT' });
    });
    const error = (await driver.pulse(RESET, 10).catch((e: unknown) => e)) as GpioError;
    expect(error.code).toBe('GPIO_UNAVAILABLE');
    expect(error.message).toContain('apt install gpiod');
  });

  it('waits the settle time after the pulse before a reset counts as done', async () => {
    const { driver } = tools('v2.1');
    const clock = new ManualClock();
    let done = false;
    const reset = resetRadio(driver, RESET, clock).then(() => {
      done = true;
    });
    while (clock.pendingTimers() === 0) await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(499);
    expect(done).toBe(false);
    await clock.advance(1);
    await reset;
    expect(done).toBe(true);
  });
});
