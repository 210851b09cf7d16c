/**
 * The load generator as a process of its own (run.ts pins it to another core than the server's):
 * reads a job from its argument, opens its connections, waits for them to go quiet, prints "ready",
 * waits for "go" on stdin, runs the measured part and prints the result as one JSON line. Connections a job leaves open stay
 * open until the harness stops this process, after it has read what the servers spent.
 */
import { createInterface } from 'node:readline';
import { prepare, type Job } from './load.js';
import { quiet } from './load/connection.js';

const job = JSON.parse(Buffer.from(process.argv[2]!, 'base64').toString()) as Job;
const run = await prepare(job);
await quiet();
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  const result = await run();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  break;
}
// Stopped by the harness; should it go away first, the end of stdin ends this process too.
process.stdin.resume().once('end', () => process.exit(0));
