import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyConnectError } from '../../../src/wan/connect-errors.js';
import { WanError } from '../../../src/wan/errors.js';
import { checkTopicPrefix, hubTopics, parseHubTopic, TOPIC_LEAVES, type TopicLeaf } from '../../../src/wan/topics.js';

const level = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
const prefix = fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => levels.join('/'));
const eui64 = fc.stringMatching(/^[0-9a-fA-F]{16}$/);
const leaf = fc.constantFrom(...(Object.keys(TOPIC_LEAVES) as TopicLeaf[]));

describe('WAN topics (properties)', () => {
  it('parses back every topic it builds, to the canonical EUI-64 and the leaf', () => {
    fc.assert(
      fc.property(prefix, eui64, leaf, (p, eui, l) => {
        const topics = hubTopics(p, eui);
        expect(topics.hub).toBe(eui.toUpperCase());
        expect(parseHubTopic(p, topics[l])).toEqual({ hub: eui.toUpperCase(), leaf: l });
      }),
    );
  });

  it('never throws on an arbitrary topic, and only recognises what it would build', () => {
    fc.assert(
      fc.property(prefix, fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9/+#]{0,60}$/)), (p, topic) => {
        const parsed = parseHubTopic(p, topic);
        if (parsed) expect(hubTopics(p, parsed.hub)[parsed.leaf]).toBe(topic);
      }),
    );
  });

  it('refuses a prefix with wildcards, empty levels or other characters, naming the setting', () => {
    fc.assert(
      fc.property(prefix, fc.constantFrom('#', '+', '', ' ', '\u0000', 'é'), fc.boolean(), (p, bad, atEnd) => {
        const candidate = atEnd ? `${p}/${bad}` : `${bad}/${p}`;
        expect(() => checkTopicPrefix(candidate)).toThrowError(WanError);
        try {
          checkTopicPrefix(candidate);
        } catch (error) {
          expect((error as WanError).where).toBe('wan.topicPrefix');
        }
      }),
    );
  });
});

describe('connection errors (properties)', () => {
  const codes = new Set(['WAN_TLS_BROKER_CERT', 'WAN_TLS_CLIENT_CERT', 'WAN_TLS', 'WAN_LOGIN_REFUSED', 'WAN_CONNECT_REFUSED', 'WAN_UNREACHABLE']);
  it('turns anything thrown into a WanError naming the broker, never throwing itself', () => {
    const thrown = fc.oneof(
      fc.anything(),
      fc.tuple(fc.string(), fc.oneof(fc.string(), fc.integer({ min: 0, max: 255 }))).map(([message, code]) => Object.assign(new Error(message), { code })),
    );
    fc.assert(
      fc.property(thrown, (value) => {
        const error = classifyConnectError(value, 'mqtts://broker:8883');
        expect(error).toBeInstanceOf(WanError);
        expect(codes.has(error.code)).toBe(true);
        expect(error.where).toBe('mqtts://broker:8883');
      }),
    );
  });
});
