import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import type { ApsAddress, IncomingMessage } from '../../../hal/radio.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { openPtyPair } from '../../helpers/pty.js';
import { median, percentile, round, RUNS, type BenchResult, type BenchSuite } from '../result.js';

/**
 * Long (1,500-octet, 22-block) messages through the EZSP Radio and the simulated NCP and ESME over
 * ASH on a clean line: hub → device one at a time (each delivered only when all its blocks are
 * acknowledged), and device → hub as the device sends them back to back. In memory the cost is the
 * runtime's own; on a socat pty pair the serial path adds its cost (socat does not pace bytes at the baud rate, so this is no radio-link figure).
 */
const MESSAGES = 20;
const LENGTH = 1500;
const ESME = '00DB1234567890A0';
const ADDRESS: ApsAddress = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };

function message(i: number): Buffer {
  const out = Buffer.alloc(LENGTH, i & 0xff);
  out.writeUInt32BE(i, 0);
  return out;
}

async function measure(line: string, host: Transport, ncp: Transport, close: () => Promise<void>): Promise<BenchResult[]> {
  const clock = new SystemClock();
  const scenario = await loadScenario(undefined);
  const sim = new Simulator({ scenario, clock });
  sim.serve(ncp);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: host, clock }), clock });
  try {
    await radio.start();
    await radio.formNetwork({ channel: 15, panId: 0x3d3d });
    const installCode = scenario.devices.find((d) => d.eui64 === ESME)!.installCode;
    await radio.permitJoining([{ eui64: ESME, linkKey: linkKeyFromInstallCode(installCode) }], 60);
    const joined = new Promise<void>((resolve) => radio.on('deviceJoined', () => resolve()));
    sim.join(ESME);
    await joined;

    const runs = { down: [] as number[], p50: [] as number[], up: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      const samples: number[] = [];
      const downStart = performance.now();
      for (let i = 0; i < MESSAGES; i++) {
        const at = performance.now();
        const outcome = await radio.send(ESME, ADDRESS, message(i));
        if (!outcome.delivered) throw new Error(`message ${i} not delivered: ${outcome.reason}`);
        samples.push(performance.now() - at);
      }
      runs.down.push((MESSAGES * LENGTH * 1000) / (performance.now() - downStart));
      runs.p50.push(percentile(samples, 50));

      const heard: IncomingMessage[] = [];
      const all = new Promise<void>((resolve) => {
        const listener = (m: IncomingMessage) => {
          if (heard.push(m) < MESSAGES) return;
          radio.off('message', listener);
          resolve();
        };
        radio.on('message', listener);
      });
      const upStart = performance.now();
      sim.send(ESME, Array.from({ length: MESSAGES }, (_, i) => message(i)));
      await all;
      runs.up.push((MESSAGES * LENGTH * 1000) / (performance.now() - upStart));
    }
    const note = `${MESSAGES} messages of ${LENGTH} octets (22 APS blocks of 71, windows of 4) per run, ${line}; the median of ${RUNS} runs`;
    return [
      { metric: `fragments.${line}.hub_to_device_octets_per_s`, value: round(median(runs.down), 0), unit: 'octets/s', note },
      { metric: `fragments.${line}.hub_to_device_p50_ms`, value: round(median(runs.p50), 1), unit: 'ms', note: `${note}; from send to every block acknowledged` },
      { metric: `fragments.${line}.device_to_hub_octets_per_s`, value: round(median(runs.up), 0), unit: 'octets/s', note },
    ];
  } finally {
    await radio.stop().catch(() => undefined);
    await sim.close();
    await close();
  }
}

const suite: BenchSuite = async function* (): AsyncIterable<BenchResult> {
  const [host, ncp] = memoryTransportPair('bench-fragments');
  yield* await measure('memory', host, ncp, async () => undefined);
  const pair = await openPtyPair();
  yield* await measure('pty', new SerialTransport({ path: pair.a, baudRate: 115200 }), new SerialTransport({ path: pair.b, baudRate: 115200 }), () => pair.close());
};

export default suite;
