import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GpioLineSpec } from '../boards.js';
import type { Clock } from '../clock.js';
import { HubError } from '../errors.js';

const run = promisify(execFile);

export type GpioErrorCode = 'GPIO_UNAVAILABLE' | 'GPIO_NO_CHIP' | 'GPIO_FAILED';

export class GpioError extends HubError {
  declare readonly code: GpioErrorCode;

  constructor(code: GpioErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/**
 * The GPIO lines around the radio, behind the smallest interface the hub needs. It is the one
 * part tests replace with a recording fake: no GPIO line exists off the board.
 */
export interface GpioDriver {
  /** Hold `line` at its active level for `ms`, then let it go back to inactive. */
  pulse(line: GpioLineSpec, ms: number): Promise<void>;
}

export const DEFAULT_RESET_PULSE_MS = 10;
export const DEFAULT_RESET_SETTLE_MS = 1000;

/** Reset the radio through its reset line and wait until it should be answering again. */
export async function resetRadio(driver: GpioDriver, line: GpioLineSpec, clock: Clock): Promise<void> {
  await driver.pulse(line, line.pulseMs ?? DEFAULT_RESET_PULSE_MS);
  await clock.sleep(line.settleMs ?? DEFAULT_RESET_SETTLE_MS);
}

export function describeLine(line: GpioLineSpec): string {
  return `${line.chip} line ${line.line} (active ${line.activeLow ? 'low' : 'high'})`;
}

type Runner = (file: string, args: string[]) => Promise<{ stdout: string }>;

/**
 * Drives lines with libgpiod's command-line tools (package `gpiod`), so the hub needs no native
 * module. Both major versions are handled: v1 takes the chip as an argument and holds the value
 * for `-m time`; v2 takes `-c CHIP` and toggles back after `-t PERIOD,0`. Chips named by label
 * (pinctrl-rp1) are found with `gpiodetect`, since their gpiochip numbers move between kernels.
 */
export class GpiodCliDriver implements GpioDriver {
  private version: 1 | 2 | undefined;

  constructor(private readonly runner: Runner = (file, args) => run(file, args, { timeout: 10_000 })) {}

  private async toolVersion(): Promise<1 | 2> {
    if (this.version) return this.version;
    const { stdout } = await this.runner('gpioset', ['--version']).catch((error: unknown) => {
      throw new GpioError('GPIO_UNAVAILABLE', 'gpioset was not found; install libgpiod\'s tools (`sudo apt install gpiod`)', {
        where: 'gpioset',
        cause: error,
      });
    });
    this.version = /v2\.|\bv?2\.\d/.test(stdout) ? 2 : 1;
    return this.version;
  }

  /** `gpiochipN` for a chip given by name or by label. */
  async resolveChip(chip: string): Promise<string> {
    if (/^gpiochip[0-9]+$/.test(chip)) return chip;
    const { stdout } = await this.runner('gpiodetect', []).catch((error: unknown) => {
      throw new GpioError('GPIO_UNAVAILABLE', 'gpiodetect was not found; install libgpiod\'s tools (`sudo apt install gpiod`)', {
        where: 'gpiodetect',
        cause: error,
      });
    });
    for (const row of stdout.split('\n')) {
      const match = /^(gpiochip[0-9]+)\s+\[([^\]]*)\]/.exec(row.trim());
      if (match?.[2] === chip) return match[1]!;
    }
    throw new GpioError('GPIO_NO_CHIP', `no GPIO chip labelled ${chip} on this machine (gpiodetect lists the ones there are)`, {
      where: chip,
    });
  }

  async pulse(line: GpioLineSpec, ms: number): Promise<void> {
    const version = await this.toolVersion();
    const chip = await this.resolveChip(line.chip);
    const activeLow = line.activeLow ? ['-l'] : [];
    const args =
      version === 2
        ? ['-c', chip, ...activeLow, '-t', `${ms}ms,0`, `${line.line}=1`]
        : [...activeLow, '-m', 'time', '-u', String(ms * 1000), chip, `${line.line}=1`];
    await this.runner('gpioset', args).catch((error: unknown) => {
      throw new GpioError('GPIO_FAILED', `could not drive ${describeLine(line)}: ${(error as Error).message}`, {
        where: `${chip}:${line.line}`,
        cause: error,
      });
    });
  }
}
