import { createPublicKey, verify } from 'node:crypto';
import { Ajv } from 'ajv';
import type { Eui64 } from '../../hal/radio.js';
import { HUB_EVENTS, type SecurityEventSink } from '../logs/index.js';
import type { CredentialSource } from '../security/certificates.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import { FirmwareError } from './errors.js';

/**
 * The allowed Device Model combinations: a firmware change changes a Device Model (manufacturer,
 * model — the OTA image type —, hardware version, firmware version), and only combinations on the
 * operator's list may result. The operator (the DCC, whose Access Control Broker Digital Signing
 * certificate the hub holds in its Security Credentials) pushes the list signed; a list whose
 * signature verifies with no such certificate, that does not read, or whose sequence is not above
 * the one held is refused into the Security Log, and the one held stays.
 *
 * Frame: 64 octets of ECDSA P-256 signature (r‖s, SHA-256) over the rest, then the list as UTF-8 JSON:
 * `{ "sequence": n, "combinations": [[DeviceModel, ...], ...], "downgrades": [DeviceModel, ...] }`.
 * A change is allowed when some combination holds every Device Model the HAN would then run; a
 * change to a lower firmware version only when `downgrades` names the Device Model it leads to.
 * With no list held, any combination may result but no downgrade.
 */
export interface DeviceModel {
  manufacturerCode: number;
  imageType: number;
  hardwareVersion: number;
  fileVersion: number;
}

export interface DeviceModelList {
  sequence: number;
  combinations: DeviceModel[][];
  downgrades: DeviceModel[];
}

export const LIST_SIGNER_ROLE = 'accessControlBroker';
const SIGNATURE_OCTETS = 64;
const MAX_LIST_OCTETS = 256 * 1024;

const u16 = { type: 'integer', minimum: 0, maximum: 0xffff } as const;
const MODEL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['manufacturerCode', 'imageType', 'hardwareVersion', 'fileVersion'],
  properties: { manufacturerCode: u16, imageType: u16, hardwareVersion: u16, fileVersion: { type: 'integer', minimum: 0, maximum: 0xffffffff } },
} as const;
const LIST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['sequence', 'combinations', 'downgrades'],
  properties: {
    sequence: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    combinations: { type: 'array', maxItems: 10_000, items: { type: 'array', minItems: 1, maxItems: 64, items: MODEL_SCHEMA } },
    downgrades: { type: 'array', maxItems: 10_000, items: MODEL_SCHEMA },
  },
} as const;
const validate = new Ajv({ allErrors: false, strict: true }).compile<DeviceModelList>(LIST_SCHEMA);

/** Reads a signed list frame: the list and its signature. Throws a FirmwareError naming the field. */
export function decodeDeviceModelFrame(frame: Buffer): { list: DeviceModelList; signature: Buffer; document: Buffer } {
  if (frame.length <= SIGNATURE_OCTETS) throw new FirmwareError('TRUNCATED', `a Device Model list frame is a ${SIGNATURE_OCTETS}-octet signature and the list; this one has ${frame.length} octets`, { field: 'signature', offset: 0 });
  if (frame.length > SIGNATURE_OCTETS + MAX_LIST_OCTETS) throw new FirmwareError('BAD_INPUT', `the list is over ${MAX_LIST_OCTETS} octets`, { field: 'list', offset: SIGNATURE_OCTETS });
  const document = frame.subarray(SIGNATURE_OCTETS);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(document));
  } catch (cause) {
    throw new FirmwareError('BAD_INPUT', 'the list is not UTF-8 JSON', { field: 'list', offset: SIGNATURE_OCTETS, cause });
  }
  if (!validate(value)) {
    const error = validate.errors?.[0];
    throw new FirmwareError('BAD_FIELD', `the list ${error?.message ?? 'does not read'}`, { field: `list${error?.instancePath ?? ''}` });
  }
  return { list: value, signature: Buffer.from(frame.subarray(0, SIGNATURE_OCTETS)), document: Buffer.from(document) };
}

/** A frame for `list` signed with `sign` (the operator's side, for tests and labs). */
export function encodeDeviceModelFrame(list: DeviceModelList, sign: (data: Buffer) => Buffer): Buffer {
  const document = Buffer.from(JSON.stringify(list), 'utf8');
  return Buffer.concat([sign(document), document]);
}

const sameModel = (a: DeviceModel, b: DeviceModel) => a.manufacturerCode === b.manufacturerCode && a.imageType === b.imageType && a.hardwareVersion === b.hardwareVersion && a.fileVersion === b.fileVersion;

export const DEVICE_MODEL_LIST_DOMAIN = { name: 'deviceModelList', codec: jsonCodec<DeviceModelList>() } as const;
/** What each Device last said it runs (its Query Next Image), by EUI-64. */
export const DEVICE_MODELS_DOMAIN = { name: 'deviceModels', codec: jsonCodec<DeviceModel>() } as const;
const CURRENT = 'current';

export class DeviceModels {
  private constructor(
    private readonly listDomain: Domain<DeviceModelList>,
    private readonly running: Domain<DeviceModel>,
    private current: DeviceModelList | undefined,
    private readonly credentials: CredentialSource,
    private readonly securityLog: SecurityEventSink | undefined,
  ) {}

  static async open(options: { store: Store; credentials: CredentialSource; securityLog?: SecurityEventSink }): Promise<DeviceModels> {
    const listDomain = await options.store.domain(DEVICE_MODEL_LIST_DOMAIN);
    return new DeviceModels(listDomain, await options.store.domain(DEVICE_MODELS_DOMAIN), await listDomain.get(CURRENT), options.credentials, options.securityLog);
  }

  list(): DeviceModelList | undefined {
    return this.current && structuredClone(this.current);
  }

  /** A list frame from the operator: kept (durably, before this resolves) or refused with a FirmwareError and a Security Log entry. */
  async accept(frame: Buffer): Promise<DeviceModelList> {
    try {
      const { list, signature, document } = decodeDeviceModelFrame(frame);
      const signers = this.credentials.forRole(LIST_SIGNER_ROLE, 'digitalSigning');
      const signer = signers.find((credential) => verify('sha256', document, { key: createPublicKey({ key: credential.publicKeyDer, format: 'der', type: 'spki' }), dsaEncoding: 'ieee-p1363' }, signature));
      if (!signer) throw new FirmwareError('SIGNATURE_INVALID', `the list's signature verifies with no trusted operator key (${signers.map((held) => held.eui).join(', ') || 'none held'})`, { field: 'signature', offset: 0 });
      if (this.current && list.sequence <= this.current.sequence) {
        throw new FirmwareError('BAD_FIELD', `sequence ${list.sequence} is not above the list held (${this.current.sequence})`, { field: 'list/sequence' });
      }
      await this.listDomain.put(CURRENT, list);
      this.current = list;
      await this.securityLog?.record(HUB_EVENTS.deviceModelListAccepted.code, { sequence: String(list.sequence), signer: signer.eui });
      return list;
    } catch (error) {
      if (error instanceof FirmwareError) await this.securityLog?.record(HUB_EVENTS.deviceModelListRefused.code, { reason: error.code, where: error.where ?? '' });
      throw error;
    }
  }

  /** A Device told the hub what it runs (its Query Next Image); kept so a later change is judged against it. */
  async observed(eui: Eui64, model: DeviceModel): Promise<void> {
    const held = await this.running.get(eui);
    if (!held || !sameModel(held, model)) await this.running.put(eui, model);
  }

  /** What `eui` last said it runs. */
  runningOf(eui: Eui64): Promise<DeviceModel | undefined> {
    return this.running.get(eui);
  }

  /**
   * Throws a FirmwareError, and records the refusal in the Security Log, when `target` moving from
   * `from` to `to` would leave a combination not on the list, or is a downgrade the list does not allow.
   */
  async approve(target: Eui64, from: DeviceModel | undefined, to: DeviceModel): Promise<void> {
    try {
      if (from && to.fileVersion < from.fileVersion && !this.current?.downgrades.some((allowed) => sameModel(allowed, to))) {
        throw new FirmwareError('DOWNGRADE_NOT_ALLOWED', `firmware 0x${to.fileVersion.toString(16)} is older than the running 0x${from.fileVersion.toString(16)} and the allowed list names no such downgrade`, { field: 'file version', offset: 14 });
      }
      if (!this.current) return;
      const others: DeviceModel[] = [];
      for await (const [eui, model] of this.running.entries()) if (eui !== target) others.push(model);
      const after = [to, ...others];
      if (!this.current.combinations.some((combination) => after.every((model) => combination.some((allowed) => sameModel(allowed, model))))) {
        throw new FirmwareError('MODEL_COMBINATION_NOT_ALLOWED', `no combination on allowed list ${this.current.sequence} holds the ${after.length} Device Models this change would leave on the HAN`, { field: 'file version', offset: 14 });
      }
    } catch (error) {
      if (error instanceof FirmwareError) await this.securityLog?.record(HUB_EVENTS.activationRefusedDeviceModel.code, { target, reason: error.code, fileVersion: to.fileVersion.toString(16).padStart(8, '0') });
      throw error;
    }
  }
}
