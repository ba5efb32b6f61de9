/** @drydock/hosts: enroll and manage remote agents over SSH, and seal their credentials. */
export { enrollHost, type EnrollOptions, type EnrollResult } from './enroll.js';
export { readAgentLog, removeHost, restartAgent, upgradeAgent, type ManageOptions, type UpgradeOptions } from './manage.js';
export { scanHostKey, type SshCredentials } from './connection.js';
export { HOST_ERROR_STATUS, HostError, isHostError, type HostErrorCode } from './errors.js';
export { fingerprintOf, normalizeFingerprint } from './fingerprint.js';
export { ENGINE_PACKAGES } from './host-setup.js';
export { agentPaths, type AgentPaths, type InstallLayout } from './layout.js';
export { SecretBox, type SecretKeySource } from './secrets.js';
export { systemdUnit } from './agent-files.js';
export type { ServiceMode } from './service.js';
export type { OnStep, StepEvent, StepName, StepStatus } from './steps.js';
