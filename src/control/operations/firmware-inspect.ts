import type { JSONSchemaType } from 'ajv';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { SignaturePresence } from '../../firmware/index.js';
import { inspectUpgradeImage, type ImageInspection } from '../../firmware/index.js';
import type { Operation } from '../operation.js';
import { ControlError, toWireError, type WireError } from '../protocol.js';

/**
 * `firmware.inspect`: an Upgrade Image checked against the hub's Security Credentials. The image is
 * named by an absolute path the hub reads (images run to megabytes; the socket's peer is the hub's
 * own user). The refusal, when the signature does not hold, comes back beside the inspection.
 */
export interface InspectArgs {
  path: string;
  presence: SignaturePresence;
}

export const firmwareInspect: Operation<InspectArgs, { inspection: ImageInspection; refusal?: WireError }> = {
  name: 'firmware.inspect',
  args: {
    type: 'object',
    properties: { path: { type: 'string', maxLength: 4096 }, presence: { type: 'string', enum: ['auto', 'required', 'absent'] } },
    required: ['path', 'presence'],
    additionalProperties: false,
  } satisfies JSONSchemaType<InspectArgs>,
  sealed: true,
  async run(context, { path, presence }) {
    if (!isAbsolute(path)) throw new ControlError('IMAGE_UNREADABLE', 'the hub reads the image itself, so name it by an absolute path', { where: path });
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new ControlError('IMAGE_UNREADABLE', `cannot be read (${error.code ?? error.message})`, { where: path });
    });
    const { credentials } = await context.firmware();
    const { inspection, refusal } = inspectUpgradeImage(bytes, { credentials, others: credentials.list(), source: `the Security Credentials in ${context.storePath}` }, presence);
    return refusal ? { inspection, refusal: toWireError(refusal) } : { inspection };
  },
};
