/** GCS61: read the gas daily consumption log from the GPF's copy, from a given day on, as Get Sampled Data. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { CLUSTER_ID, type GbzComponent } from '../../gbcs/payload/gbz/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { fromZigbeeTime, toZigbeeTime } from '../../time/index.js';
import { audienceOf, commandComponents, defaultResponse, encryptedComponent, gbzPayload, gpfOf, responseKey, responseZcl } from './gbz-answers.js';
import { toRaw } from './metering-registers.js';

const GET_SAMPLED_DATA = 0x08;
const GET_SAMPLED_DATA_RESPONSE = 0x07;
/** What the RTDS GCS61 response gives as the sample interval of a daily log (a day does not fit 16 bits of seconds). */
const DAILY_INTERVAL = 0xffff;
const UINT24_MAX = 0xff_ffff;

interface SampledDataRequest {
  sampleId: number;
  earliestSampleTime: number;
  sampleType: number;
  numberOfSamples: number;
}

function request(component: GbzComponent | undefined): SampledDataRequest | undefined {
  if (!component || component.clusterId !== CLUSTER_ID.metering || component.zcl.commandId !== GET_SAMPLED_DATA) return undefined;
  const body = component.body;
  if (body.kind !== 'command' || body.trailing) return undefined;
  const { sampleId, earliestSampleTime, sampleType, numberOfSamples } = body.fields;
  if ([sampleId, earliestSampleTime, sampleType, numberOfSamples].some((value) => typeof value !== 'number')) return undefined;
  return body.fields as unknown as SampledDataRequest;
}

/**
 * Samples are the days whose start is at or after the earliest sample time, oldest first, at most
 * as many as asked; each is that day's consumption in the meter's litres (uint24). None: NOT_FOUND.
 */
export async function answerGcs61(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const components = commandComponents(command);
  const [component] = components;
  const asked = components.length === 1 ? request(component) : undefined;
  if (!component || !asked) return { payload: gbzPayload([defaultResponse(component?.clusterId ?? CLUSTER_ID.metering, component?.zcl ?? { frameControl: 0, sequence: 0, commandId: GET_SAMPLED_DATA }, ZCL_STATUS.malformedCommand)]) };
  const from = fromZigbeeTime(asked.earliestSampleTime);
  const days = from === undefined || asked.numberOfSamples === 0 ? [] : await gpf.data.dailyConsumptionLog(audienceOf(command), { from });
  const samples = days.slice(0, asked.numberOfSamples);
  const first = samples[0];
  if (!first) return { payload: gbzPayload([defaultResponse(component.clusterId, component.zcl, ZCL_STATUS.notFound)]) };
  const values = samples.map((day) => Math.min(toRaw(day.consumption), UINT24_MAX));
  const fields = {
    sampleId: asked.sampleId,
    sampleStartTime: toZigbeeTime(Date.parse(`${first.day}T00:00:00Z`)),
    sampleType: asked.sampleType,
    sampleRequestInterval: DAILY_INTERVAL,
    numberOfSamples: values.length,
    samples: values,
  };
  const zcl = responseZcl(component.zcl, GET_SAMPLED_DATA_RESPONSE, true);
  const body = { kind: 'command' as const, name: 'Get Sampled Data Response', fields };
  return { payload: gbzPayload([encryptedComponent(component.clusterId, zcl, body, await responseKey(context, command), context.identity.gpf, true)]) };
}

export const gcs61 = defineHandler({ useCase: 'GCS61', device: 'GPF', handle: answerGcs61 });
