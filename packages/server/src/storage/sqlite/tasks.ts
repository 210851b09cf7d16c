/** Tasks on SQLite: the capabilities and the document are JSON text. */
import type { TasksDialect } from '../sql/tasks.js';

export const sqliteTasks: TasksDialect = {
  // An exact element: capabilities are free text, so a search of the JSON text could match across elements.
  hasCapability: (param) => `EXISTS (SELECT 1 FROM json_each(capabilities) WHERE value = ${param})`,
  docPatched: 'json_patch(doc, @patch)',
};
