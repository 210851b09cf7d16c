/** Agent definitions made through the API, kept as the JSON text they were made with. */
import type { AgentDefinitionRecord, AgentDefinitionsStore } from '../../core/ports.js';
import { changes, rows, type SqlDriver, type Step } from './step.js';

export function agentDefinitionsStore(db: SqlDriver): AgentDefinitionsStore {
  return {
    agentDefinitions: () => db.read(agentDefinitions),
    putAgentDefinition: (record) => db.write(putAgentDefinition, record),
    deleteAgentDefinition: (handle) => db.write(deleteAgentDefinition, handle),
  };
}

function* agentDefinitions(): Step<AgentDefinitionRecord[]> {
  const found = yield* rows('SELECT handle, definition, updated_at FROM agent_definitions ORDER BY handle');
  return found as unknown as AgentDefinitionRecord[];
}

function* putAgentDefinition(record: AgentDefinitionRecord): Step<void> {
  yield* changes(
    `INSERT INTO agent_definitions (handle, definition, updated_at) VALUES (@handle, @definition, @updated_at)
     ON CONFLICT (handle) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
    record,
  );
}

function* deleteAgentDefinition(handle: string): Step<boolean> {
  return (yield* changes('DELETE FROM agent_definitions WHERE handle = @handle', { handle })) > 0;
}
