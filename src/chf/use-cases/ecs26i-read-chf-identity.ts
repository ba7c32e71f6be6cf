// ECS26i: read the CHF's identity: its own Device identifier, then its manufacturer identifier and model type.
import { eui64ToBytes } from '../../../hal/eui64.js';
import { AccessUseCase } from '../../gbcs/payload/dlms/index.js';
import { IDENTITY_OBIS, identityValue } from './ecs26n-read-identity.js';
import { identityReadHandler } from './identity-reads.js';

/** The RTDS ECS26i (Message Code 0x0092) reads 0-0:96.1.1.255 (the CHF's EUI-64), then what ECS26n reads. */
export const ECS26I = new AccessUseCase('ECS26i', {
  deviceId: identityValue(IDENTITY_OBIS.deviceId),
  manufacturerId: identityValue(IDENTITY_OBIS.manufacturerId),
  modelType: identityValue(IDENTITY_OBIS.modelType),
});

export const ecs26i = identityReadHandler(ECS26I, (identity) => [eui64ToBytes(identity.chf), identity.manufacturerId, identity.modelType]);
