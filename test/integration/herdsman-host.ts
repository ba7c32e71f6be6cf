import { join } from 'node:path';
import { Controller, setLogger, type Events, type Models } from 'zigbee-herdsman';

/**
 * zigbee-herdsman's Controller as an outside ZigBee host, set up as zigbee2mqtt sets it up for an
 * EmberZNet adapter, with its database and coordinator backup in `dir`. Its log goes nowhere unless
 * HERDSMAN_DEBUG is set (then to stderr), so a failing run can be read.
 */
const verbose = process.env['HERDSMAN_DEBUG'] !== undefined;
const write = (level: string) => (message: string | (() => string), namespace: string) => {
  if (verbose) process.stderr.write(`${level} ${namespace}: ${typeof message === 'function' ? message() : message}\n`);
};
setLogger({ debug: write('debug'), info: write('info'), warning: write('warning'), error: write('error') });

type Device = Models.Device;

/** herdsman writes EUI-64s as 0x + 16 lower-case hex digits. */
function ieee(eui64: string): string {
  return `0x${eui64.toLowerCase()}`;
}

export class HerdsmanHost {
  static readonly panId = 0x1a62;
  static readonly extendedPanId = 'DDDDDDDDDDDDDD01';
  readonly controller: Controller;
  private stopped = false;
  private started = false;

  constructor(radio: string, dir: string) {
    this.controller = new Controller({
      network: {
        panID: HerdsmanHost.panId,
        // herdsman lists the extended PAN id as it goes on the wire, least significant byte first.
        extendedPanID: [...Buffer.from(HerdsmanHost.extendedPanId, 'hex').reverse()],
        channelList: [15],
        networkKey: [0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0d],
      },
      serialPort: { path: radio, adapter: 'ember', baudRate: 115200, rtscts: false },
      databasePath: join(dir, 'database.db'),
      databaseBackupPath: join(dir, 'database.db.backup'),
      backupPath: join(dir, 'coordinator_backup.json'),
      adapter: { disableLED: false },
      acceptJoiningDeviceHandler: () => Promise.resolve(true),
    });
  }

  async start(): Promise<string> {
    this.started = true;
    return this.controller.start();
  }

  /** Stop once; later calls (a test's clean-up after it stopped) do nothing. */
  async stop(): Promise<void> {
    if (this.stopped || !this.started) return;
    this.stopped = true;
    await this.controller.stop();
  }

  coordinatorEndpoints(): number[] {
    return this.controller.getDevicesByType('Coordinator')[0]!.endpoints.map((e) => e.ID);
  }

  device(eui64: string): Device {
    const device = this.controller.getDeviceByIeeeAddr(ieee(eui64));
    if (!device) throw new Error(`herdsman has no device ${eui64}`);
    return device;
  }

  deviceInterviewState(eui64: string): string {
    return this.device(eui64).interviewState;
  }

  /** Resolves with the device once herdsman's interview of it succeeds; rejects if it fails. */
  interviewOf(eui64: string): Promise<Device> {
    return new Promise((resolve, reject) => {
      const listener = (event: Events.DeviceInterviewPayload): void => {
        if (event.device.ieeeAddr !== ieee(eui64) || event.status === 'started') return;
        this.controller.off('deviceInterview', listener);
        if (event.status === 'successful') resolve(event.device);
        else reject(new Error(`herdsman's interview of ${eui64} ended ${event.status}`));
      };
      this.controller.on('deviceInterview', listener);
    });
  }

  /** The next ZCL message herdsman hands its application from `eui64`. */
  nextMessage(eui64: string): Promise<Events.MessagePayload> {
    return new Promise((resolve) => {
      const listener = (message: Events.MessagePayload): void => {
        if (message.device.ieeeAddr !== ieee(eui64)) return;
        this.controller.off('message', listener);
        resolve(message);
      };
      this.controller.on('message', listener);
    });
  }
}
