import { stat, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { ControlClient } from './control-client.js';
import { startSimProcess } from './sim-process.js';

/**
 * Any local user can connect to a port on 127.0.0.1, and `hub sim`'s control port hands out the
 * Devices' install codes and resets the NCP: it answers only a client that first sends the token
 * from a file only the simulator's owner can read.
 */
it('answers nothing but auth until a client gives the token from its owner-only file, and hangs up on a wrong one', async () => {
  const sim = await startSimProcess(['--listen', 'tcp://127.0.0.1:0', '--control', '0']);
  onTestFinished(() => void sim.stop());
  const port = Number(sim.listening.control.split(':').pop());
  const tokenFile = sim.listening.controlTokenFile;
  expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
  expect((await stat(dirname(tokenFile))).mode & 0o077).toBe(0);

  const stranger = await ControlClient.open(port);
  onTestFinished(() => stranger.close());
  for (const op of ['devices', 'status', 'resetNcp']) {
    const reply = await stranger.request({ op });
    expect(reply).toMatchObject({ ok: false, error: { code: 'CONTROL_UNAUTHENTICATED' } });
    expect(JSON.stringify(reply)).not.toMatch(/installCode/);
  }
  expect((await stranger.request({ op: 'auth', token: '0'.repeat(64) })).error).toMatchObject({ code: 'CONTROL_BAD_TOKEN' });
  await expect(stranger.request({ op: 'devices' })).rejects.toThrow(/closed/);

  const owner = await ControlClient.open(port, tokenFile);
  onTestFinished(() => owner.close());
  const devices = await owner.request({ op: 'devices' });
  expect(devices).toMatchObject({ ok: true });
  expect((devices['devices'] as unknown[]).length).toBeGreaterThan(0);
  expect((await readFile(tokenFile, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
  expect(await sim.stop()).toBe(0);
  await expect(stat(tokenFile)).rejects.toThrow(/ENOENT/);
});
