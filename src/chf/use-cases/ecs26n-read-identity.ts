// ECS26n: read the hub's identity: its manufacturer identifier and its model type.
import { AccessUseCase, COSEM_CLASS } from '../../gbcs/payload/dlms/index.js';
import { none, octets, step } from '../../gbcs/index.js';
import { identityReadHandler } from './identity-reads.js';

/** The Data objects the RTDS ECS26n reads (and ECS26i with the CHF's own id before them). */
export const IDENTITY_OBIS = { deviceId: '0-0:96.1.1.255', manufacturerId: '0-0:96.1.4.255', modelType: '0-0:96.1.6.255' } as const;

export const identityValue = (instance: string) => step({ kind: 'get', target: { classId: COSEM_CLASS.data, instance, member: 2 }, request: none, response: octets() });

export const ECS26N = new AccessUseCase('ECS26n', {
  manufacturerId: identityValue(IDENTITY_OBIS.manufacturerId),
  modelType: identityValue(IDENTITY_OBIS.modelType),
});

export const ecs26n = identityReadHandler(ECS26N, (identity) => [identity.manufacturerId, identity.modelType]);
