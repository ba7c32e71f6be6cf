import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { usePtyPair } from '../helpers/pty.js';
import { ControlClient } from '../hal/sim/control-client.js';
import { startSimProcess, type SimProcess } from '../hal/sim/sim-process.js';
import { HerdsmanHost } from './herdsman-host.js';

/**
 * zigbee-herdsman's whole Controller (adapter `ember`), a ZigBee host we did not write, driving
 * `hub sim` as it would an EmberZNet NCP: it forms the network, opens joining with the ESME's
 * install code, the ESME joins and is interviewed (ZDO and the Basic cluster), ZCL goes each way,
 * and a second start on the saved database and backup resumes the same network without forming.
 */
const ESME = '00DB1234567890A0';
const ESME_INSTALL_CODE = '83FED3407A939723A5C639B26916D505C3B5';
/** A ZCL Report Attributes on Metering: CurrentSummationDelivered (0x0000, uint48) = 12345. */
const METERING_REPORT = '18070a000025393000000000';

async function useTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herdsman-host-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function useSim(args: string[]): Promise<{ sim: SimProcess; control: ControlClient }> {
  const sim = await startSimProcess(args);
  onTestFinished(async () => void (await sim.stop()));
  const control = await ControlClient.open(Number(sim.listening.control.split(':').pop()), sim.listening.controlTokenFile);
  onTestFinished(() => control.close());
  return { sim, control };
}

async function formJoinInterviewAndResume(radio: string, sim: SimProcess, control: ControlClient, dir: string): Promise<void> {
  const first = new HerdsmanHost(radio, dir);
  onTestFinished(() => first.stop());
  expect(await first.start()).toBe('reset');
  const formed = ((await control.request({ op: 'status' }))['status'] as { network: { panId: number; extendedPanId: string } }).network;
  expect(formed).toMatchObject({ panId: HerdsmanHost.panId, extendedPanId: HerdsmanHost.extendedPanId });
  expect(first.coordinatorEndpoints()).toEqual([1, 242]);

  await first.controller.permitJoin(254);
  await first.controller.addInstallCode(`|${ESME}|${ESME_INSTALL_CODE}|`);
  const interviewed = first.interviewOf(ESME);
  expect(await control.request({ op: 'join', eui64: ESME })).toMatchObject({ ok: true, outcome: { joined: true } });
  const device = await interviewed;
  expect({ type: device.type, modelID: device.modelID, manufacturerName: device.manufacturerName }).toEqual({ type: 'Router', modelID: 'SIM-ESME', manufacturerName: 'Simulated' });
  expect(device.endpoints.map((e) => ({ id: e.ID, profile: e.profileID, inputs: e.inputClusters }))).toEqual([{ id: 1, profile: 0x0109, inputs: [0x0000, 0x0003, 0x0702, 0x0705, 0x0704] }]);

  // Host to device: a Read Attributes the ESME answers; device to host: a Metering report.
  expect(await device.getEndpoint(1)!.read('genBasic', ['powerSource'])).toEqual({ powerSource: 1 });
  const report = first.nextMessage(ESME);
  expect(await control.request({ op: 'send', from: ESME, payload: METERING_REPORT, profileId: 0x0104, clusterId: 0x0702 })).toMatchObject({ ok: true });
  expect(await report).toMatchObject({ type: 'attributeReport', cluster: 'seMetering', data: { currentSummDelivered: 12345 } });
  await first.stop();

  const second = new HerdsmanHost(radio, dir);
  onTestFinished(() => second.stop());
  expect(await second.start()).toBe('resumed');
  const after = (await control.request({ op: 'status' }))['status'] as { network: unknown; devices: Array<{ eui64: string; joined: boolean }> };
  expect(after.network).toEqual(expect.objectContaining(formed));
  // Forming again would have made every Device leave.
  expect(after.devices.find((d) => d.eui64 === ESME)).toMatchObject({ joined: true });
  expect(second.deviceInterviewState(ESME)).toBe('SUCCESSFUL');
  expect(await second.device(ESME).getEndpoint(1)!.read('genBasic', ['modelId'])).toEqual({ modelId: 'SIM-ESME' });
  await second.stop();
  // Every frame herdsman sent was one the simulated NCP answers.
  expect(sim.stderr()).not.toContain('does not answer');
}

describe('zigbee-herdsman Controller against hub sim', () => {
  it('forms, admits the ESME by install code, interviews it, talks both ways and resumes, over TCP', async () => {
    const dir = await useTempDir();
    const { sim, control } = await useSim(['--listen', 'tcp://127.0.0.1:0']);
    await formJoinInterviewAndResume(sim.listening.radio, sim, control, dir);
  });

  it('does the same over a real pty pair, with the NCP on the newest EZSP version', async () => {
    const dir = await useTempDir();
    const pair = await usePtyPair();
    const { sim, control } = await useSim(['--serial', pair.a, '--ezsp-version', '19']);
    await formJoinInterviewAndResume(pair.b, sim, control, dir);
  });
});
