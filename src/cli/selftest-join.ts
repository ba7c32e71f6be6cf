import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../hal/log.js';
import { DEFAULT_CONFIG } from '../config.js';
import { startHub } from '../compose.js';
import type { SimProcess } from '../sim-process.js';

/**
 * `hub selftest`'s join check against the simulator: a throwaway hub (its own store in a temporary
 * folder, no WAN) forms or resumes the simulated network, lets the simulator's ESME in by its
 * install code, and the ESME joins: the whole path from the host's ASH to the CHF Device Log.
 */
export interface JoinCheckResult {
  status: 'pass' | 'fail';
  detail: string;
}

export async function simulatedEsmeJoins(radio: string, sim: Pick<SimProcess, 'request' | 'devices'>): Promise<JoinCheckResult> {
  const esme = (await sim.devices()).find((device) => device.type === 'ESME' && device.installCode);
  if (!esme) return { status: 'fail', detail: 'the simulator has no ESME with an install code to join' };
  const dir = await mkdtemp(join(tmpdir(), 'hub-selftest-join-'));
  try {
    const hub = await startHub({ config: { ...structuredClone(DEFAULT_CONFIG), store: { path: join(dir, 'state') } }, logger: silentLogger, radioAddress: radio });
    try {
      await hub.deviceLog.add({ eui64: esme.eui64, deviceType: 'ESME', installCode: esme.installCode });
      await hub.joinWindows.open(esme.eui64, 60);
      const reply = await sim.request<{ outcome: { joined: boolean; reason?: string } }>('join', { eui64: esme.eui64 });
      await hub.admission.settled();
      if (!reply.outcome.joined) return { status: 'fail', detail: `the simulated ESME ${esme.eui64} was refused: ${reply.outcome.reason ?? 'no reason given'}` };
      return { status: 'pass', detail: `the simulated ESME ${esme.eui64} joined by its install code (channel ${hub.network.channel})` };
    } finally {
      await hub.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
