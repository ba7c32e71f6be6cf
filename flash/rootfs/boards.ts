/**
 * What each board needs from its boot partition for the radio on its header UART: config.txt lines
 * (in the hub's own block) and the kernel consoles to take off that UART in cmdline.txt. A USB radio
 * needs neither. One row per board profile in boards/.
 */
export interface BoardBoot {
  /** Lines for config.txt's [all] section; none for a USB radio. */
  config: readonly string[];
  /** cmdline.txt `console=` devices that are the radio's UART (any speed). */
  consoles: readonly string[];
  /** Units the UART's new use leaves without a device (Bluetooth's HCI UART once disable-bt moves it). */
  disable: readonly string[];
}

/** The Pi 3/4 and Zero 2 W: the PL011 goes to the header once Bluetooth moves off it; serial0 then names it. */
const PL011_HEADER: BoardBoot = {
  config: ['enable_uart=1', 'dtoverlay=disable-bt'],
  consoles: ['serial0', 'ttyAMA0', 'ttyS0'],
  disable: ['hciuart.service'],
};

export const BOARD_BOOT: Record<string, BoardBoot> = {
  rpi4b: PL011_HEADER,
  'rpi-zero-2w': PL011_HEADER,
  // The Pi 5's header UART is the RP1's UART0 (ttyAMA0), with its own overlay; serial0 is the debug connector there.
  rpi5: { config: ['dtoverlay=uart0-pi5,ctsrts'], consoles: ['ttyAMA0'], disable: [] },
  'usb-efr32': { config: [], consoles: [], disable: [] },
};

const BEGIN = '# BEGIN gb-comms-hub (flash/install): the radio on the header UART';
const END = '# END gb-comms-hub';

/** config.txt with the hub's block in place of any earlier one (or without it, for a USB radio). */
export function editConfigTxt(text: string, board: BoardBoot): string {
  const lines = text.split('\n');
  const begin = lines.indexOf(BEGIN);
  const end = begin < 0 ? -1 : lines.indexOf(END, begin);
  const kept = begin < 0 || end < 0 ? lines : [...lines.slice(0, begin), ...lines.slice(end + 1)];
  while (kept.length > 0 && kept.at(-1) === '') kept.pop();
  // Its own [all], so an earlier conditional section ([pi4], [cm4]...) cannot swallow the lines.
  const block = board.config.length === 0 ? [] : ['', BEGIN, '[all]', ...board.config, END];
  return `${[...kept, ...block].join('\n')}\n`;
}

/** cmdline.txt (one line) without the kernel consoles that would write to the radio. */
export function editCmdlineTxt(text: string, board: BoardBoot): string {
  const tokens = text.trim().split(/\s+/).filter((token) => token !== '');
  const onRadio = (token: string) => board.consoles.some((device) => token === `console=${device}` || token.startsWith(`console=${device},`));
  return `${tokens.filter((token) => !onRadio(token)).join(' ')}\n`;
}
