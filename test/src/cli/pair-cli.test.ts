import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshInstallCode, startRunningHub, type RunningHub } from '../../helpers/running-hub.js';

/**
 * `hub pair add` and `hub pair watch` against a running hub (`hub start` with the simulated HAN as
 * its own process) in local-add mode: the printed stages, the countdown, and the exit status for a
 * Device that joins and one whose label's install code is not the one it holds.
 */
const CHF = '00DB1234567890C0';
const PPMID = '00DB1234567890C4';
const HCALCS = '00DB1234567890C6';
const ppmidCode = freshInstallCode();

let hub: RunningHub;

beforeAll(async () => {
  const scenario = [
    `network:\n  eui64: ${CHF}\ndevices:`,
    `  - name: ppmid\n    eui64: ${PPMID}\n    type: PPMID\n    installCode: ${ppmidCode}\n    commissioned: false`,
    `  - name: hcalcs\n    eui64: ${HCALCS}\n    type: HCALCS\n    installCode: ${freshInstallCode()}\n    commissioned: false`,
  ].join('\n');
  hub = await startRunningHub({ name: 'pair-cli', scenario: `${scenario}\n`, config: 'installer:\n  mode: local-add\n  joinTimeoutSeconds: 90\n' });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
});

const label = async (name: string, text: string) => {
  const path = join(hub.dir, name);
  await writeFile(path, `${text}\n`, { mode: 0o600 });
  return path;
};

describe('hub pair', () => {
  it('adds the PPMID by its label and watches it join, stage by stage, with the countdown; then to its first GBCS message', async () => {
    const file = await label('ppmid.txt', `Z:${PPMID}$I:${ppmidCode}`);
    const added = await hub.run(['pair', 'add', '--label-file', file, '--type', 'PPMID', '--watch', '--until', 'joined', '--timeout', '60']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Added ${PPMID} to the CHF Device Log`);
    for (const stage of ['whitelisted by a local add at the hub', 'join window open: second half: install code 90 s', 'heard on the network', 'trust-centre link key established']) {
      expect(added.stdout).toContain(stage);
    }
    expect(added.stdout).toMatch(/⏱ join window second half: install code closes in \d+ s/);
    expect(added.stdout).toContain(`Paired: ${PPMID} joined the HAN (exit 0)`);
    expect(added.stdout).not.toContain(ppmidCode);

    await hub.sim('sendGbcs', { from: PPMID, gbcs: 'DD00000000000000000000' });
    const watched = await hub.run(['pair', 'watch', PPMID, '--timeout', '60']);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('CS14 alert sent');
    expect(watched.stdout).toContain('first GBCS message relayed (from the Device)');

    const table = await hub.run(['devices']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/EUI-64\s+TYPE\s+STATE\s+LINK KEY\s+LAST HEARD\s+SIGNAL\s+LQI/);
    expect(table.stdout).toMatch(new RegExp(`${PPMID}\\s+PPMID\\s+joined, talking\\s+yes\\s+\\d+ s ago`));
    expect(table.stdout).toContain('installer mode: local-add');
  }, 120_000);

  it('ends with exit 3 and says so when the label holds another install code than the Device', async () => {
    const file = await label('hcalcs.txt', `${HCALCS}|${freshInstallCode()}`);
    const run = await hub.run(['pair', 'add', '--label-file', file, '--type', 'HCALCS', '--watch', '--timeout', '60']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('heard on the network');
    expect(run.stdout).toContain('FAILED: wrong install code');
    expect(run.stdout).toMatch(/Ended: .*wrong install code.* \(exit 3\)/);
    const again = await hub.run(['pair', 'watch', HCALCS]);
    expect(again.code).toBe(3);
    const removed = await hub.run(['pair', 'remove', HCALCS]);
    expect(removed.stdout).toContain(`Removed ${HCALCS}`);
  }, 120_000);

  it('refuses a label whose CRC does not match on the spot, without repeating it, and reads one piped on stdin', async () => {
    const bad = ppmidCode.slice(0, -1) + (ppmidCode.endsWith('0') ? '1' : '0');
    const refused = await hub.run(['pair', 'add', '--type', 'PPMID'], `${PPMID}|${bad}\n`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/CRC does not match.*\[INSTALL_CODE_BAD_CRC\]/);
    expect(refused.stderr + refused.stdout).not.toContain(bad);
    const none = await hub.run(['pair', 'add']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('LABEL_NOT_GIVEN');
    expect(hub.log()).not.toContain(ppmidCode);
    expect(hub.log()).not.toContain(bad);
  }, 60_000);
});
