import { CLUSTER, decodeZclFrame, encodeZclFrame, GLOBAL_COMMAND, PROFILE, ZclError, type Direction } from '../zcl/index.js';
import { TunnelError } from './errors.js';

/**
 * The ZigBee Smart Energy Tunneling cluster as GBCS uses it: protocol 6 (GB-HGRP), no manufacturer
 * code, no flow control, 1,500-octet transfers. Only the commands a GB hub exchanges are decoded;
 * the flow-control commands (AckTransferData, ReadyData) and protocol discovery never appear on a
 * GBCS tunnel and are refused as unsupported.
 */
export const TUNNELING_CLUSTER = CLUSTER.tunneling;
export const TUNNEL_PROFILE = PROFILE.smartEnergy;

/** The RequestTunnel parameters every GBCS Device uses, and expects in a RequestTunnelResponse. */
export const GBCS_TUNNEL = {
  protocolId: 6,
  manufacturerCode: 0xffff,
  flowControl: false,
  maxIncomingTransferSize: 1500,
} as const;

/** Commands the client sends (the server receives). */
export const CLIENT_COMMAND = {
  requestTunnel: 0x00,
  closeTunnel: 0x01,
  transferData: 0x02,
  transferDataError: 0x03,
  ackTransferData: 0x04,
  readyData: 0x05,
  getSupportedTunnelProtocols: 0x06,
} as const;

/** Commands the server sends (the client receives). */
export const SERVER_COMMAND = {
  requestTunnelResponse: 0x00,
  transferData: 0x01,
  transferDataError: 0x02,
  ackTransferData: 0x03,
  readyData: 0x04,
  supportedTunnelProtocolsResponse: 0x05,
  tunnelClosureNotification: 0x06,
} as const;

/** RequestTunnelResponse TunnelStatus. */
export const TUNNEL_STATUS = {
  success: 0x00,
  busy: 0x01,
  noMoreTunnelIds: 0x02,
  protocolNotSupported: 0x03,
  flowControlNotSupported: 0x04,
} as const;

/** TransferDataError TransferDataStatus. */
export const TRANSFER_DATA_STATUS = {
  noSuchTunnel: 0x00,
  wrongDevice: 0x01,
  dataOverflow: 0x02,
} as const;

export function tunnelStatusName(status: number): string {
  return nameOf(TUNNEL_STATUS, status);
}

export function transferDataStatusName(status: number): string {
  return nameOf(TRANSFER_DATA_STATUS, status);
}

function nameOf(table: Record<string, number>, value: number): string {
  return Object.entries(table).find(([, v]) => v === value)?.[0] ?? `status 0x${value.toString(16).padStart(2, '0')}`;
}

export type TunnelCommand =
  | { kind: 'requestTunnel'; protocolId: number; manufacturerCode: number; flowControl: boolean; maxIncomingTransferSize: number }
  | { kind: 'requestTunnelResponse'; tunnelId: number; status: number; maxIncomingTransferSize: number }
  | { kind: 'transferData'; tunnelId: number; data: Buffer }
  | { kind: 'transferDataError'; tunnelId: number; status: number }
  | { kind: 'closeTunnel'; tunnelId: number }
  | { kind: 'tunnelClosureNotification'; tunnelId: number }
  /** A ZCL Default Response arriving on the cluster (for a command sent without disabling it). */
  | { kind: 'defaultResponse'; commandId: number; status: number };

export interface TunnelFrame {
  /** ZCL transaction sequence number; a response echoes the request's. */
  sequence: number;
  /** Client to server, or server to client; fixed for most commands, both ways for TransferData and TransferDataError. */
  direction: Direction;
  command: TunnelCommand;
}

type Layout = { direction: Direction; commandId: number };

/** Where each kind travels and under which id. Both-way kinds are looked up with the frame's direction. */
function layoutOf(frame: TunnelFrame): Layout {
  const { command, direction } = frame;
  switch (command.kind) {
    case 'requestTunnel':
      return { direction: 'clientToServer', commandId: CLIENT_COMMAND.requestTunnel };
    case 'closeTunnel':
      return { direction: 'clientToServer', commandId: CLIENT_COMMAND.closeTunnel };
    case 'requestTunnelResponse':
      return { direction: 'serverToClient', commandId: SERVER_COMMAND.requestTunnelResponse };
    case 'tunnelClosureNotification':
      return { direction: 'serverToClient', commandId: SERVER_COMMAND.tunnelClosureNotification };
    case 'transferData':
      return { direction, commandId: direction === 'clientToServer' ? CLIENT_COMMAND.transferData : SERVER_COMMAND.transferData };
    case 'transferDataError':
      return { direction, commandId: direction === 'clientToServer' ? CLIENT_COMMAND.transferDataError : SERVER_COMMAND.transferDataError };
    case 'defaultResponse':
      return { direction, commandId: GLOBAL_COMMAND.defaultResponse };
  }
}

function checkInt(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new TunnelError('TUNNEL_BAD_VALUE', `${what} ${value} is not 0..${max}`);
}

function encodePayload(command: TunnelCommand): Buffer {
  switch (command.kind) {
    case 'requestTunnel': {
      checkInt(command.protocolId, 0xff, 'protocol id');
      checkInt(command.manufacturerCode, 0xffff, 'manufacturer code');
      checkInt(command.maxIncomingTransferSize, 0xffff, 'maximum incoming transfer size');
      const out = Buffer.alloc(6);
      out[0] = command.protocolId;
      out.writeUInt16LE(command.manufacturerCode, 1);
      out[3] = command.flowControl ? 1 : 0;
      out.writeUInt16LE(command.maxIncomingTransferSize, 4);
      return out;
    }
    case 'requestTunnelResponse': {
      checkInt(command.tunnelId, 0xffff, 'tunnel id');
      checkInt(command.status, 0xff, 'tunnel status');
      checkInt(command.maxIncomingTransferSize, 0xffff, 'maximum incoming transfer size');
      const out = Buffer.alloc(5);
      out.writeUInt16LE(command.tunnelId, 0);
      out[2] = command.status;
      out.writeUInt16LE(command.maxIncomingTransferSize, 3);
      return out;
    }
    case 'transferData':
      checkInt(command.tunnelId, 0xffff, 'tunnel id');
      return Buffer.concat([tunnelIdBytes(command.tunnelId), command.data]);
    case 'transferDataError':
      checkInt(command.tunnelId, 0xffff, 'tunnel id');
      checkInt(command.status, 0xff, 'transfer data status');
      return Buffer.concat([tunnelIdBytes(command.tunnelId), Buffer.of(command.status)]);
    case 'closeTunnel':
    case 'tunnelClosureNotification':
      checkInt(command.tunnelId, 0xffff, 'tunnel id');
      return tunnelIdBytes(command.tunnelId);
    case 'defaultResponse':
      checkInt(command.commandId, 0xff, 'command id');
      checkInt(command.status, 0xff, 'status');
      return Buffer.of(command.commandId, command.status);
  }
}

function tunnelIdBytes(tunnelId: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(tunnelId, 0);
  return out;
}

/** The whole ZCL frame (header and payload) for one tunnel command. Responses to the hub need no Default Response. */
export function encodeTunnelFrame(frame: TunnelFrame): Buffer {
  checkInt(frame.sequence, 0xff, 'sequence');
  const { direction, commandId } = layoutOf(frame);
  const payload = encodePayload(frame.command);
  return encodeZclFrame({
    header: {
      frameType: frame.command.kind === 'defaultResponse' ? 'global' : 'cluster',
      direction,
      disableDefaultResponse: true,
      sequence: frame.sequence,
      commandId,
    },
    payload,
  });
}

const HEADER_LENGTH = 3;

/** Decodes one Tunneling cluster ZCL frame; throws a TunnelError naming the byte offset for anything it cannot read. */
export function decodeTunnelFrame(bytes: Uint8Array): TunnelFrame {
  let zcl;
  try {
    zcl = decodeZclFrame(bytes);
  } catch (error) {
    if (error instanceof ZclError) throw new TunnelError('TUNNEL_BAD_ZCL_FRAME', error.message, { offset: error.offset, cause: error });
    throw error;
  }
  const { header, payload } = zcl;
  if (header.manufacturerCode !== undefined) {
    throw new TunnelError('TUNNEL_NOT_A_TUNNEL_COMMAND', `manufacturer-specific command 0x${header.commandId.toString(16)} is not a GBCS tunnel command`, { offset: 0 });
  }
  const at = HEADER_LENGTH;
  const base = { sequence: header.sequence, direction: header.direction };
  if (header.frameType === 'global') {
    if (header.commandId !== GLOBAL_COMMAND.defaultResponse) {
      throw new TunnelError('TUNNEL_NOT_A_TUNNEL_COMMAND', `global command 0x${header.commandId.toString(16)} is not handled on the Tunneling cluster`, { offset: at - 1 });
    }
    exact(payload, 2, at, 'a Default Response');
    return { ...base, command: { kind: 'defaultResponse', commandId: payload[0]!, status: payload[1]! } };
  }
  return { ...base, command: decodeClusterCommand(header.direction, header.commandId, payload, at) };
}

function decodeClusterCommand(direction: Direction, commandId: number, payload: Buffer, at: number): TunnelCommand {
  const toServer = direction === 'clientToServer';
  if (toServer && commandId === CLIENT_COMMAND.requestTunnel) {
    exact(payload, 6, at, 'a RequestTunnel');
    return {
      kind: 'requestTunnel',
      protocolId: payload[0]!,
      manufacturerCode: payload.readUInt16LE(1),
      flowControl: payload[3] !== 0,
      maxIncomingTransferSize: payload.readUInt16LE(4),
    };
  }
  if (!toServer && commandId === SERVER_COMMAND.requestTunnelResponse) {
    exact(payload, 5, at, 'a RequestTunnelResponse');
    return { kind: 'requestTunnelResponse', tunnelId: payload.readUInt16LE(0), status: payload[2]!, maxIncomingTransferSize: payload.readUInt16LE(3) };
  }
  if (commandId === (toServer ? CLIENT_COMMAND.transferData : SERVER_COMMAND.transferData)) {
    atLeast(payload, 2, at, 'a TransferData');
    return { kind: 'transferData', tunnelId: payload.readUInt16LE(0), data: Buffer.from(payload.subarray(2)) };
  }
  if (commandId === (toServer ? CLIENT_COMMAND.transferDataError : SERVER_COMMAND.transferDataError)) {
    exact(payload, 3, at, 'a TransferDataError');
    return { kind: 'transferDataError', tunnelId: payload.readUInt16LE(0), status: payload[2]! };
  }
  if (toServer && commandId === CLIENT_COMMAND.closeTunnel) {
    exact(payload, 2, at, 'a CloseTunnel');
    return { kind: 'closeTunnel', tunnelId: payload.readUInt16LE(0) };
  }
  if (!toServer && commandId === SERVER_COMMAND.tunnelClosureNotification) {
    exact(payload, 2, at, 'a TunnelClosureNotification');
    return { kind: 'tunnelClosureNotification', tunnelId: payload.readUInt16LE(0) };
  }
  throw new TunnelError('TUNNEL_UNSUPPORTED_COMMAND', `${direction} command 0x${commandId.toString(16).padStart(2, '0')} is not used on GBCS tunnels`, { offset: at - 1 });
}

function atLeast(payload: Buffer, length: number, at: number, what: string): void {
  if (payload.length < length) throw new TunnelError('TUNNEL_TRUNCATED', `${what} needs at least ${length} payload bytes, got ${payload.length}`, { offset: at + payload.length });
}

function exact(payload: Buffer, length: number, at: number, what: string): void {
  atLeast(payload, length, at, what);
  if (payload.length > length) throw new TunnelError('TUNNEL_TRAILING_BYTES', `${what} is ${length} payload bytes; ${payload.length - length} more follow`, { offset: at + length });
}
