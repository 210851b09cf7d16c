/** Tasks on PostgreSQL: the capabilities and the document are jsonb. */
import type { TasksDialect } from '../sql/tasks.js';

export const pgTasks: TasksDialect = {
  hasCapability: (param) => `capabilities ? ${param}`,
  docPatched: 'doc || @patch::jsonb',
};
