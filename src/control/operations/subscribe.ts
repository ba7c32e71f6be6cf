import type { JSONSchemaType } from 'ajv';
import { CONTROL_EVENT_TYPES, type ControlEvent, type ControlEventType } from '../events.js';
import type { StreamOperation } from '../operation.js';
import { ControlError } from '../protocol.js';

/** `subscribe`: the running hub's events as they happen, optionally only some types. */
export interface SubscribeArgs {
  types?: ControlEventType[];
}

const schema = {
  type: 'object',
  properties: { types: { type: 'array', items: { type: 'string', enum: [...CONTROL_EVENT_TYPES] }, nullable: true } },
  additionalProperties: false,
} satisfies JSONSchemaType<SubscribeArgs>;

export const subscribe: StreamOperation<SubscribeArgs> = {
  name: 'subscribe',
  args: schema,
  stream: true,
  async start(context, args, emit) {
    const events = context.events;
    if (!events) throw new ControlError('HUB_NOT_RUNNING', 'events come only from a running hub: start it (hub start)', { where: 'subscribe' });
    const wanted = args.types === undefined ? undefined : new Set<string>(args.types);
    const listener = (event: ControlEvent) => {
      if (!wanted || wanted.has(event.type)) emit(event);
    };
    events.on('event', listener);
    return () => void events.off('event', listener);
  },
};
