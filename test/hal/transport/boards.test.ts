import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoardError, defaultBoardsDir, listBoards, loadAllBoards, loadBoard, type BoardProfile } from '../../../hal/boards.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'hub-boards-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function shipped(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(defaultBoardsDir(), `${name}.json`), 'utf8')) as Record<string, unknown>;
}

async function brokenBoard(name: string, change: (profile: Record<string, unknown>) => void): Promise<BoardError> {
  const profile = await shipped('rpi4b');
  profile['name'] = name;
  change(profile);
  await writeFile(join(scratch, `${name}.json`), JSON.stringify(profile));
  const error = await loadBoard(name, scratch).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BoardError);
  return error as BoardError;
}

describe('board profiles', () => {
  it('ships the four supported boards, and every one validates', async () => {
    expect(await listBoards()).toEqual(['rpi-zero-2w', 'rpi4b', 'rpi5', 'usb-efr32']);
    const boards = await loadAllBoards();
    for (const board of boards) expect(board.serial.baudRate).toBe(115200);
  });

  it('describes each board as its hardware needs', async () => {
    const byName = new Map<string, BoardProfile>((await loadAllBoards()).map((b) => [b.name, b]));
    // The Pi 5's serial0 is the debug connector, so its profile must name the header UART itself.
    expect(byName.get('rpi5')?.serial.path).toBe('/dev/ttyAMA0');
    expect(byName.get('rpi5')?.radioReset?.chip).toBe('pinctrl-rp1');
    expect(byName.get('rpi4b')?.serial).toMatchObject({ path: '/dev/serial0', flowControl: 'hardware' });
    expect(byName.get('rpi-zero-2w')?.serial.flowControl).toBe('software');
    expect(byName.get('usb-efr32')).toMatchObject({
      serial: { path: '/dev/serial/by-id/usb-*', fallbackPaths: ['/dev/ttyUSB0', '/dev/ttyACM0'], flowControl: 'hardware' },
      radioReset: null,
      statusLed: null,
    });
  });

  it('names the file and the key path of a wrong value', async () => {
    const error = await brokenBoard('bad-baud', (p) => {
      (p['serial'] as Record<string, unknown>)['baudRate'] = 9600;
    });
    expect(error.code).toBe('BOARD_INVALID');
    expect(error.where).toContain('bad-baud.json');
    expect(error.key).toBe('serial.baudRate');
    expect(error.message).toContain('bad-baud.json');
    expect(error.message).toContain('serial.baudRate must be one of 57600, 115200');
  });

  it('names an unknown key, a missing key and a malformed GPIO line', async () => {
    const unknown = await brokenBoard('typo', (p) => {
      (p['serial'] as Record<string, unknown>)['baud'] = 115200;
    });
    expect(unknown.message).toContain('serial.baud is not a known key');

    const missing = await brokenBoard('no-reset', (p) => {
      delete p['radioReset'];
    });
    expect(missing.key).toBe('radioReset');
    expect(missing.message).toContain('radioReset is missing');

    const gpio = await brokenBoard('bad-gpio', (p) => {
      (p['radioReset'] as Record<string, unknown>)['line'] = -1;
    });
    expect(gpio.key).toBe('radioReset.line');
  });

  it('rejects a profile whose name differs from its file', async () => {
    const profile = await shipped('rpi5');
    await writeFile(join(scratch, 'renamed.json'), JSON.stringify(profile));
    const error = (await loadBoard('renamed', scratch).catch((e: unknown) => e)) as BoardError;
    expect(error.code).toBe('BOARD_INVALID');
    expect(error.key).toBe('name');
  });

  it('reports broken JSON with the file, and an unknown board with the ones that exist', async () => {
    await writeFile(join(scratch, 'garbled.json'), '{ "name": ');
    const syntax = (await loadBoard('garbled', scratch).catch((e: unknown) => e)) as BoardError;
    expect(syntax.code).toBe('BOARD_SYNTAX');
    expect(syntax.where).toContain('garbled.json');

    const missing = (await loadBoard('rpi3').catch((e: unknown) => e)) as BoardError;
    expect(missing.code).toBe('BOARD_NOT_FOUND');
    expect(missing.message).toContain('rpi4b, rpi5');
  });
});
