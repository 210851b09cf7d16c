/** @module @roundtable/agents: members backed by a language model, with MCP tools and budgets. */
export { AgentRunner, type AgentLogger, type AgentRunnerOptions } from './agent.js';
export {
  AgentConfigError,
  AgentDefinition,
  AgentsFile,
  loadAgentsFile,
  parseAgentsFile,
  resolveSecret,
  type McpServerSettings,
} from './config.js';
export { checkModel, createModel, type ModelCheck } from './model.js';
export { McpToolbox, type ToolCallOutcome } from './tools.js';
export { ActivityReporter, whileWaitingForApproval } from './activity.js';
export { AgentStartError, startAgents, type HostOptions, type RunningAgents } from './host.js';
