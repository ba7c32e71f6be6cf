import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerBasic } from '../../../hal/sim/basic-cluster.js';
import { decodeZclFrame } from '../../../hal/zcl/index.js';
import { answerZdo, ZDO_RESPONSE_BIT, type ZdoNode } from '../../../hal/sim/zdo.js';

/** The simulated nodes' ZDO and Basic answers take whatever bytes a host sends without throwing. */
const NODE: ZdoNode = {
  nodeId: 0x1234,
  eui64: '00DB1234567890A0',
  logicalType: 'router',
  receiverOnWhenIdle: true,
  manufacturerCode: 0xfffe,
  endpoints: [{ endpoint: 1, profileId: 0x0109, deviceId: 0x0501, deviceVersion: 0, clusters: { input: [0x0000, 0x0704], output: [0x000a] } }],
};

describe('ZDO and Basic answers on arbitrary input', () => {
  it('answer a ZDO request with its response cluster and its sequence number, or not at all', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }), (clusterId, bytes) => {
        const answer = answerZdo(NODE, clusterId, Buffer.from(bytes));
        if (answer === undefined) return;
        expect(answer.clusterId).toBe(clusterId | ZDO_RESPONSE_BIT);
        expect(answer.payload[0]).toBe(bytes[0]);
      }),
    );
  });

  it('answer the Basic cluster with a Read Attributes Response echoing the sequence, or not at all', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const answer = answerBasic({ modelId: 'SIM-ESME', powerSource: 1 }, Buffer.from(bytes));
        if (answer === undefined) return;
        const [request, response] = [decodeZclFrame(bytes), decodeZclFrame(answer)];
        expect(response.header).toMatchObject({ sequence: request.header.sequence, commandId: 0x01, direction: 'serverToClient' });
      }),
    );
  });
});
