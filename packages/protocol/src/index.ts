export { AGENT_NAMESPACE, PROTOCOL_VERSION } from './version.js';
export { actorSchema, digestSchema, jobIdSchema } from './common.js';
export { connectRefusalSchema, handshakeAuthSchema, type ConnectRefusal, type HandshakeAuth } from './handshake.js';
export { diskSchema, helloAckSchema, helloSchema, hostFactsSchema, hostStatusSchema, type Hello, type HelloAck, type HostFacts, type HostStatus } from './hello.js';
export {
  containerStatusSchema,
  containerSummarySchema,
  imageSummarySchema,
  inventoryDeltaSchema,
  inventoryFullSchema,
  type ContainerSummary,
  type ImageSummary,
  type InventoryDelta,
  type InventoryFull,
} from './inventory.js';
export {
  CANCELLABLE_JOB_KINDS,
  SESSION_JOB_KINDS,
  buildContextSchema,
  dataSinkSchema,
  gitSourceSchema,
  dataSourceSchema,
  execInputSchema,
  execOutputSchema,
  execResizeSchema,
  jobCancelSchema,
  jobSpecSchema,
  jobStartSchema,
  registryAccessSchema,
  type BuildContextSource,
  type DataSink,
  type GitSource,
  type DataSource,
  type ExecInput,
  type ExecOutput,
  type ExecResize,
  type JobCancel,
  type JobKind,
  type JobSpec,
  type JobSpecInput,
  type JobStart,
  type JobStartInput,
  type RegistryAccess,
} from './jobs.js';
export {
  jobAckSchema,
  jobEventBatchSchema,
  jobEventEnvelopeSchema,
  jobEventSchema,
  jobResultSchema,
  type JobAck,
  type JobEvent,
  type JobEventBatch,
  type JobEventEnvelope,
  type JobResult,
} from './job-events.js';
export {
  historyRowSchema,
  imageQueryAnswerSchema,
  imageQuerySchema,
  type HistoryRow,
  type ImageQuery,
  type ImageQueryAnswer,
} from './image-query.js';
export { journalAckSchema, journalBatchSchema, journalEntrySchema, type JournalAck, type JournalBatch, type JournalEntry } from './journal.js';
export {
  agentToHubSchemas,
  hubToAgentSchemas,
  parseAgentMessage,
  parseHubMessage,
  type AgentToHubEvent,
  type AgentToHubEvents,
  type HubToAgentEvent,
  type HubToAgentEvents,
  type ParseResult,
} from './messages.js';
