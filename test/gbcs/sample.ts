import type { GbcsMessage } from '../../src/gbcs/index.js';
import { gbcsMacHeader } from '../../src/gbcs/index.js';

/** A small CCS01-shaped command, built here so the unit tests need no third-party data. */
export function sampleCommand(overrides: Partial<GbcsMessage['header']> = {}): GbcsMessage {
  return {
    macHeader: gbcsMacHeader(),
    header: {
      cra: 'command',
      originatorCounter: 0x0516n,
      originator: '90B3D51F30000002',
      recipient: '00DB1234567890A2',
      messageCode: 0x0001,
      supplementary: { remotePartyId: '90B3D51F30010000', remotePartyCounter: 0x03ean },
      ...overrides,
    },
    payload: Buffer.from('d9200005160003', 'hex'),
    signature: 'empty',
    mac: Buffer.alloc(12, 0xab),
  };
}
