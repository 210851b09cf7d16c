/** `npm start`: reads the environment, runs the hub, and drains it on SIGTERM or SIGINT. */
import { loadConfig } from './config.js';
import { runUntilSignalled } from './run.js';

runUntilSignalled(loadConfig()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Roundtable could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
