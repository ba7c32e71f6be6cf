import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import type { Radio } from '../../hal/radio.js';
import type { SecurityEventSink } from '../logs/index.js';
import type { Credential, CredentialSource } from '../security/certificates.js';
import type { Store } from '../store/index.js';
import { DeviceModels } from './device-models.js';
import { FirmwareError } from './errors.js';
import { FirmwareImages } from './image-store.js';
import { ImageReceiver, type TargetLookup, type TransferOutcome } from './image-receiver.js';
import { OtaRadioService } from './ota-radio.js';
import { OtaServer } from './ota-server.js';
import type { ImageTarget } from './target.js';

/**
 * The firmware side of the composition root in one call: the images the hub holds and the receiver
 * that fills them from the WAN's firmware topic. `accept` takes a chunk frame as it came off the
 * link; what goes wrong with one is logged (with its code and place), never thrown at the link.
 */
export interface HubFirmwareOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  credentials: CredentialSource & { list(): Credential[] };
  securityLog?: SecurityEventSink;
  targetOf: TargetLookup;
  quotaBytes?: number;
  /** With a radio, the hub serves held images to its Devices over the OTA Upgrade cluster. */
  radio?: Radio;
  minimumBlockPeriodMs?: (eui: string) => number;
  /** The hub's own EUI-64 (the CHF): images for it go to its slots (CS06), never over the OTA cluster. */
  hub?: string;
}

/** How a transfer ended, on its way in over the WAN or out over the HAN: what CCS08 reports. */
export interface FirmwareTransferEnded {
  at: number;
  target: string;
  firmwareVersion: Buffer;
  outcome: TransferOutcome;
  cause: string;
}

export interface HubFirmware {
  images: FirmwareImages;
  receiver: ImageReceiver;
  ota: { server: OtaServer; service: OtaRadioService } | undefined;
  /** Every transfer's end, WAN and HAN alike. */
  onTransferEnded(listener: (event: FirmwareTransferEnded) => void): void;
  /** Models the HAN's Devices run and the operator's allowed list of combinations. */
  models: DeviceModels;
  /**
   * One chunk frame off the WAN: resolves once it is durable (0), or with 0x83 when it was refused
   * for good (a FirmwareError, logged with its code and place); rejects when the store did not take it.
   */
  accept(frame: Buffer): Promise<number>;
  /** The operator's signed allowed Device Model list off the WAN, answered as `accept` is. */
  acceptModelList(frame: Buffer): Promise<number>;
  stop(): void;
  /** Finish what a restart interrupted; call once whoever reports `transferEnded` listens. */
  resume(): Promise<void>;
}

/** MQTT 5 reason code for a frame the hub refused for good: acknowledged, so the broker does not send it again. */
const REFUSED_REASON_CODE = 0x83;

export async function startHubFirmware(options: HubFirmwareOptions): Promise<HubFirmware> {
  const { store, clock, logger, credentials } = options;
  const settled = (work: Promise<unknown>, what: string): Promise<number> =>
    work.then(
      () => 0,
      (error: unknown) => {
        if (!(error instanceof FirmwareError)) {
          logger.error({ err: error }, `${what} not stored`);
          throw error;
        }
        logger.warn({ code: error.code, where: error.where }, `${what} refused: ${error.message}`);
        return REFUSED_REASON_CODE;
      },
    );
  const models = await DeviceModels.open({ store, credentials, ...(options.securityLog ? { securityLog: options.securityLog } : {}) });
  const images = await FirmwareImages.open(store, { clock, ...(options.quotaBytes === undefined ? {} : { quotaBytes: options.quotaBytes }), ...(options.securityLog ? { securityLog: options.securityLog } : {}) });
  const receiver = await ImageReceiver.open({ store, images, clock, credentials, others: () => credentials.list(), targetOf: options.targetOf });
  receiver.on('imageReceived', ({ target, image }) => logger.info({ target, image: image.hash, octets: image.size, signer: image.signer }, 'firmware image received and held'));
  receiver.on('transferEnded', ({ target, cause, outcome, imageHash }) => logger.warn({ target, image: imageHash, cause, outcome }, 'firmware image discarded'));
  let ota: HubFirmware['ota'];
  if (options.radio) {
    const server = await OtaServer.open({ store, images, clock, models, ...(options.minimumBlockPeriodMs ? { minimumBlockPeriodMs: options.minimumBlockPeriodMs } : {}) });
    const service = new OtaRadioService(options.radio, server, logger);
    server.on('transferEnded', ({ target, cause, outcome, imageHash }) => logger.info({ target, image: imageHash, cause, outcome }, 'OTA transfer ended'));
    service.start();
    ota = { server, service };
    // An image held for a HAN Device is offered to it at once (Image Notify); a sleeping one finds it when it next asks.
    receiver.on('imageReceived', ({ target, image }) => {
      if (target === options.hub) return;
      service.offer(target, image.hash).then(
        (outcome) => logger.info({ target, image: image.hash, notified: outcome.delivered }, 'firmware image offered over OTA'),
        (error: unknown) => logger.warn({ err: error, target }, 'firmware image not offered over OTA'),
      );
    });
  }
  return {
    images,
    receiver,
    ota,
    onTransferEnded(listener) {
      receiver.on('transferEnded', listener);
      ota?.server.on('transferEnded', listener);
    },
    stop: () => ota?.service.stop(),
    resume: () => receiver.resume(),
    models,
    accept: (frame) => settled(receiver.receive(frame), 'firmware chunk'),
    acceptModelList: (frame) => settled(models.accept(frame), 'allowed Device Model list'),
  };
}

/** The configured Devices images may be sent for (`firmware.targets`): EUI-64 to what their headers must match. */
export function firmwareTargets(targets: Readonly<Record<string, Omit<ImageTarget, 'eui'> & { unsigned?: boolean }>>): TargetLookup {
  return (eui) => {
    const target = targets[eui];
    if (!target) return undefined;
    const { unsigned, ...fields } = target;
    return { ...fields, requireSignature: unsigned !== true };
  };
}
