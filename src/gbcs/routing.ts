import { decodeBlock, isBlockTransfer } from '../../hal/tunnel/block-transfer.js';
import { TunnelError } from '../../hal/tunnel/errors.js';
import { decodeMessage } from './codec.js';
import { craFromFlag, type Cra } from './constants.js';
import { GbcsError } from './errors.js';

/**
 * What routing a GBCS message needs, read from a whole message's grouping header or from the
 * routing header of one block of a General Block Transfer (hal/tunnel/block-transfer.ts), which
 * the hub passes on without putting the message together.
 */
export interface MessageRoute {
  cra: Cra;
  originator: string;
  recipient: string;
  originatorCounter: bigint;
  messageCode: number;
  /** Set for one block of a General Block Transfer: its number and whether it is the last. */
  block?: { number: number; last: boolean };
}

/** Throws a GbcsError naming the offset for bytes that are neither. */
export function routeOf(bytes: Uint8Array): MessageRoute {
  if (!isBlockTransfer(bytes)) {
    const { header } = decodeMessage(bytes, { allowUnknownMessageCode: true });
    return { cra: header.cra, originator: header.originator, recipient: header.recipient, originatorCounter: header.originatorCounter, messageCode: header.messageCode };
  }
  try {
    const { routing, number, last } = decodeBlock(bytes);
    const cra = craFromFlag(routing.craFlag);
    if (!cra) throw new GbcsError('BAD_VALUE', `CRA flag ${routing.craFlag} in a block's routing header`, { offset: 2 });
    return { cra, originator: routing.originator, recipient: routing.target, originatorCounter: routing.originatorCounter, messageCode: routing.messageCode, block: { number, last } };
  } catch (error) {
    if (error instanceof TunnelError) throw new GbcsError('BAD_VALUE', `General Block Transfer: ${error.message}`, { ...(error.offset === undefined ? {} : { offset: error.offset }), cause: error });
    throw error;
  }
}
