export { hasStoredToken, startAgent, type Agent, type AgentOptions } from './agent.js';
export { hostFacts } from './facts.js';
