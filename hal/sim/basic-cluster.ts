import { decodeReadAttributes, decodeZclFrame, encodeReadAttributesResponse, encodeZclFrame, CLUSTER, GLOBAL_COMMAND, ZCL_STATUS, ZclError, type ReadAttributeRecord } from '../zcl/index.js';

/**
 * The Basic cluster (0x0000) of a simulated Device: Read Attributes answered from a table, the
 * way a host's interview reads it one attribute at a time. Anything else sent to the cluster is
 * left unanswered, as no GBCS flow uses it.
 */
export const BASIC_CLUSTER = CLUSTER.basic;

export interface BasicIdentity {
  modelId: string;
  powerSource: number;
}

/** Attribute id, ZCL data type and value. */
function attributes(identity: BasicIdentity): ReadonlyMap<number, { dataType: number; value: number | string }> {
  return new Map<number, { dataType: number; value: number | string }>([
    [0x0000, { dataType: 0x20, value: 3 }], // ZCLVersion
    [0x0001, { dataType: 0x20, value: 1 }], // ApplicationVersion
    [0x0002, { dataType: 0x20, value: 2 }], // StackVersion
    [0x0003, { dataType: 0x20, value: 1 }], // HWVersion
    [0x0004, { dataType: 0x42, value: 'Simulated' }], // ManufacturerName
    [0x0005, { dataType: 0x42, value: identity.modelId }], // ModelIdentifier
    [0x0006, { dataType: 0x42, value: '20260101' }], // DateCode
    [0x0007, { dataType: 0x30, value: identity.powerSource }], // PowerSource
    [0x4000, { dataType: 0x42, value: '1.0.0' }], // SWBuildID
  ]);
}

/** The Read Attributes Response to a Basic cluster frame, or undefined when it asks for none. */
export function answerBasic(identity: BasicIdentity, request: Buffer): Buffer | undefined {
  let frame;
  let ids: number[];
  try {
    frame = decodeZclFrame(request);
    if (frame.header.frameType !== 'global' || frame.header.commandId !== GLOBAL_COMMAND.readAttributes || frame.header.direction !== 'clientToServer') return undefined;
    ids = decodeReadAttributes(frame.payload);
  } catch (error) {
    if (error instanceof ZclError) return undefined;
    throw error;
  }
  const table = attributes(identity);
  const records: ReadAttributeRecord[] = ids.map((attributeId) => {
    const known = table.get(attributeId);
    return known ? { attributeId, status: ZCL_STATUS.success, ...known } : { attributeId, status: ZCL_STATUS.unsupportedAttribute };
  });
  const header = { ...frame.header, direction: 'serverToClient' as const, disableDefaultResponse: true, commandId: GLOBAL_COMMAND.readAttributesResponse };
  return encodeZclFrame({ header, payload: encodeReadAttributesResponse(records) });
}
