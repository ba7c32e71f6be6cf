import type { JSONSchemaType } from 'ajv';
import { FIRMWARE_ACTIVATIONS_DOMAIN, HubSlots, manufacturerImageHash, parseUpgradeImage, type FirmwareImages, type HeldImage, type SlotName, type TransferProgress } from '../../firmware/index.js';
import { hex } from '../../firmware/index.js';
import type { Store } from '../../store/index.js';
import type { Operation } from '../operation.js';

/**
 * What `hub firmware status` reports: the images held, the transfers under way, the activations
 * scheduled and, given the slot tree, which slot runs which version.
 */
export interface FirmwareStatus {
  images: HeldImage[];
  usedBytes: number;
  quotaBytes: number;
  transfers: TransferProgress[];
  activations: Array<{ target: string; imageHash: string; at: string }>;
  slots?: { active: SlotName; onTrial: boolean; runningVersion: string | null; slots: Partial<Record<SlotName, { fileVersion: string; imageHash: string } | null>> };
}

export async function firmwareStatus(store: Store, images: FirmwareImages, transfers: TransferProgress[], slotsRoot?: string): Promise<FirmwareStatus> {
  const activations: FirmwareStatus['activations'] = [];
  for await (const [target, pending] of (await store.domain(FIRMWARE_ACTIVATIONS_DOMAIN)).entries()) activations.push({ target, imageHash: pending.hash, at: new Date(pending.at).toISOString() });
  const status: FirmwareStatus = { images: images.list(), usedBytes: images.usedBytes, quotaBytes: images.quotaBytes, transfers, activations };
  if (slotsRoot === undefined) return status;
  // Read only: whole or not by the manifest's hash; signatures are the start-up's business.
  const tree = new HubSlots(slotsRoot, () => undefined);
  const state = await tree.state();
  const slots: NonNullable<FirmwareStatus['slots']>['slots'] = {};
  for (const slot of ['a', 'b'] as const) {
    const image = await tree.complete(slot);
    const parsed = image && parseUpgradeImage(image);
    slots[slot] = parsed ? { fileVersion: `0x${hex(parsed.header.fileVersion, 8)}`, imageHash: manufacturerImageHash(parsed).toString('hex') } : null;
  }
  status.slots = { active: state.active, onTrial: state.trial !== undefined, runningVersion: slots[state.active]?.fileVersion ?? null, slots };
  return status;
}

export function formatFirmwareStatus(status: FirmwareStatus): string {
  const lines = [`Images held: ${status.images.length}, ${status.usedBytes} of ${status.quotaBytes} octets`];
  for (const image of status.images) {
    const range = image.hardwareVersions ? ` hardware 0x${image.hardwareVersions.min.toString(16).padStart(4, '0')}–0x${image.hardwareVersions.max.toString(16).padStart(4, '0')}` : '';
    lines.push(`  ${image.hash}  ${image.size} octets  manufacturer 0x${image.manufacturerCode.toString(16).padStart(4, '0')} type 0x${image.imageType.toString(16).padStart(4, '0')} version 0x${image.fileVersion.toString(16).padStart(8, '0')}${range}  ${image.signer ? `signed by ${image.signer}` : 'unsigned'}  held since ${new Date(image.storedAt).toISOString()}`);
  }
  lines.push(`Transfers under way: ${status.transfers.length}`);
  for (const transfer of status.transfers) {
    lines.push(`  for ${transfer.target}  image SHA-256 ${transfer.imageHash}  ${transfer.receivedOctets} of ${transfer.totalSize} octets (${Math.floor((100 * transfer.receivedOctets) / transfer.totalSize)} %)  last chunk ${new Date(transfer.updatedAt).toISOString()}`);
  }
  lines.push(`Activations scheduled: ${status.activations.length}`);
  for (const activation of status.activations) lines.push(`  ${activation.target}  image ${activation.imageHash}  at ${activation.at}`);
  if (status.slots) {
    const { active, onTrial, runningVersion, slots } = status.slots;
    lines.push(`Running: slot ${active.toUpperCase()}${onTrial ? ' (on trial)' : ''}, version ${runningVersion ?? 'unknown'}`);
    for (const slot of ['a', 'b'] as const) {
      const held = slots[slot];
      lines.push(`  slot ${slot.toUpperCase()}: ${held ? `version ${held.fileVersion}, Manufacturer Image ${held.imageHash}` : 'empty'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `firmware.status`: with `slots`, the slot tree's root (an absolute path the hub can read). */
export const firmwareStatusOperation: Operation<{ slots?: string }, FirmwareStatus> = {
  name: 'firmware.status',
  args: { type: 'object', properties: { slots: { type: 'string', maxLength: 4096, nullable: true } }, additionalProperties: false } satisfies JSONSchemaType<{ slots?: string }>,
  sealed: true,
  async run(context, { slots }) {
    const { images, transfers } = await context.firmware();
    return firmwareStatus(await context.store(), images, transfers(), slots);
  },
};
