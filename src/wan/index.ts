/** The WAN layer: the hub's MQTT link, its durable outbox, its topics and the embedded broker. */
export { WanLink, type CommandMeta, type WanEvents, type WanLinkOptions, type WanState } from './wan-link.js';
export { Outbox, DEFAULT_OUTBOX_QUOTA, OUTBOX_DOMAIN, type OutboxEntry, type OutboxOptions, type OutboxQuota, type OutboxStats, type QuotaLevel, type UpstreamMeta } from './outbox.js';
export { WanError, type WanErrorCode } from './errors.js';
export { classifyConnectError } from './connect-errors.js';
export { DEFAULT_TOPIC_PREFIX, HUB_STATE, TOPIC_LEAVES, USER_PROPERTY, everyHub, hubTopics, parseHubTopic, type HubTopics, type TopicLeaf, type UpstreamKind } from './topics.js';
export { checkBrokerUrl, publicBrokerUrl, wanSettingsFromConfig, type WanSettings } from './settings.js';
export { buildTelemetry, type HubHealth, type HubHealthSource, type HanDeviceContact, type Telemetry } from './telemetry.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
export { embeddedLogins, readEmbeddedLogins, EMBEDDED_LOGINS_FILE, type BrokerLogin, type EmbeddedLogins } from './embedded-login.js';
export { readEndpoint, writeEndpoint, removeEndpoint, type WanEndpoint } from './endpoint-file.js';
export { readPem, topicPrefixOf } from './settings.js';
export { connectTool, findHubs, type ToolClient } from './tool-client.js';
export { formatStatus, type StatusReport } from './status-report.js';
export { type RelayReport, relayReportFor } from './relay-report.js';
