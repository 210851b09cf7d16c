/** The agent definitions slice of the Store: hosted agents admins made through the API, for the hub to run. */

export interface AgentDefinitionRecord {
  handle: string;
  /** The definition as JSON, checked by the agents package when it is made and when it is run. */
  definition: string;
  updated_at: string;
}

export interface AgentDefinitionsStore {
  /** Agent definitions admins made through the API (JSON text), for the hub to run. */
  agentDefinitions(): Promise<AgentDefinitionRecord[]>;
  putAgentDefinition(record: AgentDefinitionRecord): Promise<void>;
  deleteAgentDefinition(handle: string): Promise<boolean>;
}
