import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { decodeFrame } from '../../../hal/ezsp/codec.js';
import { EzspHost } from '../../../hal/ezsp/host.js';
import { frameLinkPair, ScriptedNcp } from './link-pair.js';

/**
 * An answer and the NCP's reset can arrive in one read (one TCP segment, one serial read). The
 * command must then fail: what its answer promised died with the NCP's RAM (after sendUnicast, the
 * delivery report), and only a failure makes the caller send again.
 */
describe('EZSP host: an answer read together with the NCP reset', () => {
  async function started() {
    const [hostLink, ncpLink] = frameLinkPair();
    const ncp = new ScriptedNcp(ncpLink, 13);
    const host = new EzspHost({ link: hostLink, clock: new ManualClock(), commandTimeoutMs: 1000 });
    await host.start();
    return { host, ncp, hostLink };
  }

  it('fails the command with EZSP_LINK_DOWN when the reset follows its answer in the same read', async () => {
    const { host, ncp, hostLink } = await started();
    ncp.on('sendUnicast', () => ({ status: 0, sequence: 7 }));
    // Registered after the host's own listener: runs in the same turn, right after it took the answer.
    hostLink.on('frame', (bytes) => {
      if (decodeFrame(bytes, 13).name === 'sendUnicast') hostLink.ncpReset();
    });
    const sending = host.command('sendUnicast', {
      type: 0,
      indexOrDestination: 0x1234,
      apsFrame: { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 0 },
      messageTag: 1,
      messageContents: Buffer.from('01', 'hex'),
    });
    await expect(sending).rejects.toMatchObject({ code: 'EZSP_LINK_DOWN' });
  });

  it('still resolves an answer when the link stays up', async () => {
    const { host } = await started();
    await expect(host.command('getNodeId', {})).resolves.toEqual({ nodeId: 0 });
  });
});
