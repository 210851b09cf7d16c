/** Tasks on PostgreSQL: the capabilities and the document are jsonb. */
import type { TasksDialect } from '../sql/tasks.js';

export const pgTasks: TasksDialect = {
  hasCapability: (param) => `capabilities ? ${param}`,
  docWithLease: "jsonb_set(doc, '{lease_expires_at}', to_jsonb(@at::text))",
};
