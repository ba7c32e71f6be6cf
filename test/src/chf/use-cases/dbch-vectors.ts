import { decodeMessage } from '../../../../src/gbcs/index.js';
import { loadVectors } from '../../../helpers/rtds.js';

/** The payload of the RTDS vector with this file name. */
export function vectorPayload(name: string): Buffer {
  const vector = loadVectors().find((v) => v.name === name);
  if (!vector) throw new Error(`no RTDS vector ${name}`);
  return decodeMessage(vector.bytes).payload;
}

