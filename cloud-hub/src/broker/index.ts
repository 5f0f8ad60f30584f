export { startBroker, MQTT_MAX_PACKET_BYTES } from './broker.ts';
export type {
  BrokerOptions,
  BrokerTlsOptions,
  DeviceVerifier,
  HubCredentials,
  RunningBroker,
} from './broker.ts';
export { DeviceRegistry, DEVICE_CREDENTIALS_DDL } from './device-registry.ts';
export type {
  AddDeviceResult,
  DeviceCredentialInfo,
  DeviceRegistryOptions,
  RevokeResult,
  VerifyResult,
} from './device-registry.ts';
export { embeddedBrokerSettings } from './from-config.ts';
export type { EmbeddedBrokerSettings } from './from-config.ts';
export { DEFAULT_SCRYPT } from './password-hash.ts';
export type { ScryptParams } from './password-hash.ts';
export { REJECTION_REASONS } from './rejections.ts';
export type { RejectionCounts, RejectionReason } from './rejections.ts';
export { deviceUsername, parseDeviceUsername } from './usernames.ts';
