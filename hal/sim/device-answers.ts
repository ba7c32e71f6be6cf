import { EmberNodeType } from '../ezsp/index.js';
import { answerBasic, BASIC_CLUSTER } from './basic-cluster.js';
import type { ApsMessage, DeviceUplink, ReceivedMessage, SimDevice } from './device.js';
import { DEVICE_PROFILES, isEndDevice, SIM_MANUFACTURER_CODE } from './device-profiles.js';
import type { NcpContext } from './ncp-context.js';
import { answerZdo, deviceAnnounce, ZDO_ENDPOINT, ZDO_PROFILE, type ZdoNode } from './zdo.js';

/**
 * What a simulated Device answers for itself, beside its GBCS tunnel: ZDO (so a host can
 * interview it), the Basic cluster, and the Device_annce it broadcasts once it has joined. Answers
 * go to the host once, as a ZDO or ZCL response does, outside the Device's queue of messages for
 * the hub (they carry APS counters of their own, from 0x80).
 */
const FIRST_ANSWER_COUNTER = 0x80;
/** Device_annce goes to every node whose receiver is on (0xFFFD). */
const RX_ON_WHEN_IDLE = 0xfffd;

export class DeviceAnswers {
  private apsCounter = FIRST_ANSWER_COUNTER;
  private zdoSequence = 0;

  constructor(
    readonly device: SimDevice,
    private readonly uplink: DeviceUplink,
  ) {
    device.on('received', (message) => this.onMessage(message));
  }

  zdoNode(): ZdoNode {
    const { spec } = this.device;
    const profile = DEVICE_PROFILES[spec.type];
    return {
      nodeId: this.device.nodeId ?? RX_ON_WHEN_IDLE,
      eui64: spec.eui64,
      logicalType: isEndDevice(spec) ? 'endDevice' : profile.logicalType,
      receiverOnWhenIdle: !spec.sleepy,
      manufacturerCode: SIM_MANUFACTURER_CODE,
      endpoints: [profile.endpoint],
    };
  }

  /** The child type an NCP reports for this Device, or undefined for a router (not a child). */
  childType(): number | undefined {
    const node = this.zdoNode();
    if (node.logicalType !== 'endDevice') return undefined;
    return node.receiverOnWhenIdle ? EmberNodeType.END_DEVICE : EmberNodeType.SLEEPY_END_DEVICE;
  }

  /** Broadcast Device_annce, as a Device does once it holds the network key. */
  announce(): void {
    const answer = deviceAnnounce(this.zdoNode(), this.nextZdoSequence());
    this.sendOnce({ profileId: ZDO_PROFILE, clusterId: answer.clusterId, sourceEndpoint: ZDO_ENDPOINT, destinationEndpoint: ZDO_ENDPOINT, payload: answer.payload, broadcast: true });
  }

  private onMessage(message: ReceivedMessage): void {
    if (message.profileId === ZDO_PROFILE) {
      const answer = answerZdo(this.zdoNode(), message.clusterId, message.payload);
      if (answer) this.reply(message, answer.clusterId, answer.payload);
      return;
    }
    if (message.clusterId === BASIC_CLUSTER) {
      const { spec } = this.device;
      const payload = answerBasic({ modelId: `SIM-${spec.type}`, powerSource: DEVICE_PROFILES[spec.type].powerSource }, message.payload);
      if (payload) this.reply(message, BASIC_CLUSTER, payload);
    }
  }

  /** Answer on the request's profile, from the endpoint it was sent to, back to the one it came from. */
  private reply(request: ReceivedMessage, clusterId: number, payload: Buffer): void {
    this.sendOnce({ profileId: request.profileId, clusterId, sourceEndpoint: request.destinationEndpoint, destinationEndpoint: request.sourceEndpoint, payload });
  }

  private sendOnce(message: Omit<ApsMessage, 'apsCounter'>): void {
    if (!this.device.joined) return;
    const apsCounter = this.apsCounter;
    this.apsCounter = this.apsCounter === 0xff ? FIRST_ANSWER_COUNTER : this.apsCounter + 1;
    void this.uplink.fromDevice(this.device, { ...message, apsCounter });
  }

  private nextZdoSequence(): number {
    this.zdoSequence = (this.zdoSequence + 1) & 0xff;
    return this.zdoSequence;
  }
}

/** What the NCP and the Device report when the Device has joined: childJoinHandler for an end device, then its Device_annce. */
export function reportJoined(ncp: NcpContext, answers: DeviceAnswers): void {
  reportChild(ncp, answers, true);
  // After the key establishment the join queued: a Device announces itself once it holds the network key.
  ncp.soon(() => answers.announce());
}

/** An end device left: the NCP frees its child table slot and says so. */
export function reportLeft(ncp: NcpContext, answers: DeviceAnswers, nodeId: number): void {
  reportChild(ncp, answers, false, nodeId);
}

function reportChild(ncp: NcpContext, answers: DeviceAnswers, joining: boolean, nodeId = answers.device.nodeId): void {
  const childType = answers.childType();
  if (childType === undefined || nodeId === undefined) return;
  const { device } = answers;
  ncp.callback('childJoinHandler', { index: childIndex(ncp, device), joining, childId: nodeId, childEui64: device.eui64, childType });
}

/** A child's slot in the NCP's child table: its place, in scenario order, among the end devices. */
function childIndex(ncp: NcpContext, device: SimDevice): number {
  let index = 0;
  for (const other of ncp.options.devices.values()) {
    if (other === device) return index;
    if (isEndDevice(other.spec)) index++;
  }
  return index;
}
