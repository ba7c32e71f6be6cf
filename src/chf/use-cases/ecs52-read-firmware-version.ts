// ECS52: read the firmware version the hub runs (the active slot's image), as the RTDS reads a Device's.
import { AccessUseCase } from '../../gbcs/payload/dlms/index.js';
import { defineHandler } from '../../use-case/index.js';
import { commandView, RESULT } from './dlms-answers.js';
import { identityValue } from './ecs26n-read-identity.js';

/** The Data object holding the running firmware version, 4 octets (the OTA file version, big-endian). */
export const FIRMWARE_VERSION_OBIS = '0-0:0.2.1.255';

export const ECS52 = new AccessUseCase('ECS52', { firmwareVersion: identityValue(FIRMWARE_VERSION_OBIS) });

export const ecs52 = defineHandler({
  useCase: 'ECS52',
  device: 'CHF',
  decodeCommand: (payload) => ECS52.decodeCommand(payload),
  async handle(context, command) {
    const { invokeId } = commandView<typeof ECS52.steps>(command);
    // A hub that manages no image of its own cannot say what runs: a hardware fault, as the RTDS ERROR answer has it.
    const version = await context.chf.ownImage?.runningVersion();
    const firmwareVersion = version ? { result: RESULT.success, value: version } : { result: RESULT.hardwareFault };
    return { payload: ECS52.encodeResponse({ invokeId, results: { firmwareVersion } }) };
  },
});
