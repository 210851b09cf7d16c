/**
 * `roundtable task …` for coordinators and reviewers (create, list, show, cancel, accept, reject,
 * answer), and `roundtable worker`, which runs a shell command per task under a kept-alive lease.
 */
import { spawn } from 'node:child_process';
import { RoundtableClient, RoundtableError, TaskWorker, type Task, type WorkerInfo } from '@roundtable/client';
import { UsageError, intOption, listOption, stringOption, type Command } from '../command.js';
import { CliError } from '../errors.js';
import { clock, dim, notice, oneLine, print, printJson, printTable, warn } from '../output.js';
import { progress } from '../progress.js';

function parseJson(text: string, what: string, command: Command): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`, command);
  }
}

function describe(task: Task): void {
  print(`${task.id}  ${task.status}  ${task.title}`);
  const lines: Array<[string, string | undefined]> = [
    ['creator', `@${task.creator}`],
    ['assignee', task.assignee ? `@${task.assignee}` : undefined],
    ['attempts', `${task.attempts} of ${task.max_attempts}`],
    ['priority', String(task.priority)],
    ['capabilities', task.capabilities.join(', ') || undefined],
    ['files', task.files.join(', ') || undefined],
    ['lease until', task.lease_expires_at ? clock(task.lease_expires_at) : undefined],
    ['max runtime', task.max_runtime_ms ? `${task.max_runtime_ms} ms per attempt` : undefined],
    ['progress', progressText(task)],
    ['batch', task.batch ?? undefined],
    ['parent', task.parent ?? undefined],
    ['subtasks', task.subtasks ? countsText(task.subtasks) : undefined],
    ['question', task.question ?? undefined],
    ['feedback', task.feedback ?? undefined],
    ['result', task.result ? task.result.summary : undefined],
    [
      'verdict',
      task.verdict ? (task.verdict.valid ? 'valid' : `refused: ${task.verdict.errors.join('; ')}`) : undefined,
    ],
  ];
  for (const [label, value] of lines) if (value) print(`  ${label.padEnd(13)}${value}`);
  if (task.description) print(`\n${task.description}`);
}

function progressText(task: Task): string | undefined {
  if (typeof task.progress !== 'number') return task.progress_note ?? undefined;
  return `${Math.round(task.progress * 100)}%${task.progress_note ? ` ${task.progress_note}` : ''}`;
}

function countsText(counts: Record<string, number | undefined>): string {
  return Object.entries(counts)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
}

const create: Command = {
  name: 'task create',
  summary: 'Create a task for worker agents; prints its id',
  args: ['TITLE'],
  options: {
    description: { type: 'string', value: 'TEXT', description: 'What to do' },
    capability: { type: 'string', value: 'A,B', description: 'Capabilities a worker needs' },
    files: { type: 'string', value: 'GLOBS', description: 'Paths or globs it may change, comma-separated' },
    priority: { type: 'string', value: 'N', description: 'Higher goes first (default 0)' },
    'max-attempts': {
      type: 'string',
      value: 'N',
      description: 'Attempts before it fails and calls people (default 3)',
    },
    'lease-ms': { type: 'string', value: 'MS', description: 'Lease time (default 60000)' },
    'max-runtime-ms': {
      type: 'string',
      value: 'MS',
      description: 'Longest one attempt may run, heartbeats or not (default: no limit)',
    },
    batch: { type: 'string', value: 'ID', description: 'Group it with your other tasks of this batch' },
    parent: { type: 'string', value: 'TASK', description: 'Make it a subtask of this task' },
    room: {
      type: 'string',
      value: 'ROOM',
      description: 'Log it in a thread of this room (default: a room of its own)',
    },
    context: { type: 'string', value: 'JSON', description: 'Data the worker gets' },
    schema: { type: 'string', value: 'JSON', description: 'JSON Schema the result data must satisfy' },
    review: { type: 'boolean', description: 'A person must accept the result' },
  },
  examples: [
    'roundtable task create "Fix the flaky parser test" --capability typescript --files "src/parser/**"',
    'roundtable task create "Sum" --context \'{"a":1,"b":2}\' --schema \'{"type":"object","required":["sum"]}\'',
  ],
  async run(context, { values, args }) {
    const schema = stringOption(values, 'schema');
    const contextJson = stringOption(values, 'context');
    const { task } = await progress(
      'creating the task',
      context.api().post<{ task: Task }>('/api/v1/tasks', {
        title: args[0],
        description: stringOption(values, 'description'),
        capabilities: listOption(values, 'capability'),
        files: listOption(values, 'files'),
        priority: intOption(values, 'priority', create, -1000),
        max_attempts: intOption(values, 'max-attempts', create, 1),
        lease_ms: intOption(values, 'lease-ms', create, 1000),
        max_runtime_ms: intOption(values, 'max-runtime-ms', create, 1000),
        batch: stringOption(values, 'batch'),
        parent: stringOption(values, 'parent'),
        room: stringOption(values, 'room')?.replace(/^#/, ''),
        context: contextJson === undefined ? undefined : parseJson(contextJson, '--context', create),
        acceptance: {
          schema: schema === undefined ? null : parseJson(schema, '--schema', create),
          review: values.review === true,
        },
      }),
    );
    if (context.json) return printJson({ task });
    print(task.id);
    notice(`Created “${task.title}”, pending.`);
  },
};

const list: Command = {
  name: 'task list',
  summary: 'Tasks you can see, newest first',
  options: {
    status: {
      type: 'string',
      value: 'S,T',
      description: 'pending, assigned, running, review, input_required, completed, failed, cancelled',
    },
    assignee: { type: 'string', value: 'HANDLE', description: 'Only this worker’s' },
    creator: { type: 'string', value: 'HANDLE', description: 'Only this creator’s' },
    room: { type: 'string', value: 'ROOM', description: 'Only tasks logged in this room' },
    batch: { type: 'string', value: 'ID', description: 'Only this batch' },
    limit: { type: 'string', value: 'N', description: 'At most this many (default 50)' },
  },
  examples: ['roundtable task list', 'roundtable task list --status input_required,review'],
  async run(context, { values }) {
    const { tasks } = await progress(
      'listing tasks',
      context.api().get<{ tasks: Task[]; next: string | null }>('/api/v1/tasks', {
        status: stringOption(values, 'status'),
        assignee: stringOption(values, 'assignee')?.replace(/^@/, ''),
        creator: stringOption(values, 'creator')?.replace(/^@/, ''),
        room: stringOption(values, 'room')?.replace(/^#/, ''),
        batch: stringOption(values, 'batch'),
        limit: intOption(values, 'limit', list, 1),
      }),
    );
    if (context.json) return printJson({ tasks });
    if (tasks.length === 0) return notice('No tasks.');
    printTable(
      ['ID', 'STATUS', 'ASSIGNEE', 'TRIES', 'TITLE'],
      tasks.map((task) => [
        task.id,
        task.status,
        task.assignee ? `@${task.assignee}` : '',
        `${task.attempts}/${task.max_attempts}`,
        oneLine(task.title),
      ]),
    );
  },
};

const show: Command = {
  name: 'task show',
  summary: 'One task, with its result and what it waits for',
  args: ['ID'],
  examples: ['roundtable task show task_Ab3…'],
  async run(context, { args }) {
    const { task } = await progress('reading the task', context.api().get<{ task: Task }>(`/api/v1/tasks/${args[0]}`));
    if (context.json) return printJson({ task });
    describe(task);
  },
};

const VERBS = { cancel: 'cancelling', accept: 'accepting', reject: 'rejecting', answer: 'answering' } as const;

function decision(name: 'cancel' | 'accept' | 'reject' | 'answer', summary: string, text?: string): Command {
  const command: Command = {
    name: `task ${name}`,
    summary,
    args: text ? ['ID', `${text}...`] : ['ID'],
    options: name === 'cancel' ? { reason: { type: 'string', value: 'TEXT', description: 'Why' } } : undefined,
    examples: [text ? `roundtable task ${name} task_Ab3… "use camelCase"` : `roundtable task ${name} task_Ab3…`],
    async run(context, { values, args }) {
      const body =
        name === 'cancel'
          ? { reason: stringOption(values, 'reason') }
          : name === 'reject'
            ? { feedback: args.slice(1).join(' ') }
            : name === 'answer'
              ? { answer: args.slice(1).join(' ') }
              : {};
      const { task } = await progress(
        `${VERBS[name]} the task`,
        context.api().post<{ task: Task }>(`/api/v1/tasks/${args[0]}/${name}`, body),
      );
      if (context.json) return printJson({ task });
      notice(`${task.id} is now ${task.status}.`);
    },
  };
  return command;
}

const worker: Command = {
  name: 'worker',
  summary: 'Work tasks as this agent by running a shell command for each',
  description:
    'Registers for tasks with the capabilities an admin granted this agent (or some of them). For each task it runs the command with the task as JSON on ' +
    'stdin; the command prints the result as JSON on stdout ({"summary", "files_changed", "data"}; plain text ' +
    'becomes the summary). Exit status 0 reports it; anything else hands the task back. The lease is renewed ' +
    'while the command runs; if the hub restarts, the worker reconnects and carries on, and a lease lost ' +
    'meanwhile stops the command. Runs until Ctrl-C.',
  options: {
    capability: {
      type: 'string',
      value: 'A,B',
      description: 'Only tasks needing no more than these of its granted capabilities (default: all granted)',
    },
    exec: { type: 'string', value: 'COMMAND', description: 'The shell command run per task (required)' },
    concurrency: { type: 'string', value: 'N', description: 'Tasks at once (default 1)' },
    timeout: {
      type: 'string',
      value: 'MS',
      description: 'Kill a command running longer and hand its task back (default: only the task’s max_runtime_ms)',
    },
  },
  examples: [
    'roundtable worker --capability typescript --exec "./fix-task.sh"',
    'roundtable worker --exec "./long-job.sh" --timeout 600000',
  ],
  async run(context, { values }) {
    const command = stringOption(values, 'exec');
    if (!command) throw new UsageError('--exec is required', worker);
    const client = new RoundtableClient({
      url: context.url,
      token: context.requireToken(),
      logger: { warn: (message) => warn(dim(message.replace(/^roundtable: /, ''))) },
    });
    let finalError: RoundtableError | undefined;
    client.on('error', (error) => {
      finalError = error;
    });
    await progress('connecting', client.connect());
    const runner = new TaskWorker(client, {
      capabilities: listOption(values, 'capability'),
      concurrency: intOption(values, 'concurrency', worker, 1) ?? 1,
      timeoutMs: intOption(values, 'timeout', worker, 1),
      handler: async (task, { signal, previous, progress }) => {
        notice(`${clock(new Date().toISOString())} working on ${task.id}: ${oneLine(task.title)}`);
        const input = JSON.stringify({ ...task, previous_verdict: previous });
        const output = await runShell(command, input, signal, progress);
        const parsed = parseResult(output);
        notice(`${clock(new Date().toISOString())} finished ${task.id}: ${oneLine(parsed.summary)}`);
        return parsed;
      },
      onError: (error, task) => warn(`${task.id}: ${error instanceof Error ? error.message : String(error)}`),
    });
    await runner.start();
    notice(`Waiting for tasks as a worker; Ctrl-C stops.`);
    await new Promise<void>((resolve, reject) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
      client.on('state', (state) => {
        if (state === 'closed') reject(finalError ?? new CliError('the connection closed'));
      });
    });
    runner.stop();
    await client.close();
  },
};

/** A stderr line a command uses to tell its progress: `progress 0.4 parsing the logs`. */
const PROGRESS_LINE = /^progress\s+(\d*\.?\d+)(?:\s+(.*))?$/;

/**
 * Runs the command in a shell with `input` on stdin; resolves with stdout, rejects on a non-zero
 * exit or an abort. The shell leads a process group of its own, so an abort kills what it started too.
 */
function runShell(
  command: string,
  input: string,
  signal: AbortSignal,
  progress: (value: number, note?: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = PROGRESS_LINE.exec(line.trim());
        if (match) progress(Number(match[1]), match[2]);
        else process.stderr.write(`${line}\n`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      signal.removeEventListener('abort', kill);
      if (pending) process.stderr.write(pending);
      if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('the command was stopped'));
      else if (code === 0) resolve(stdout);
      else reject(new Error(`the command exited with status ${code}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function parseResult(output: string): { summary: string; files_changed?: string[]; data?: unknown } {
  const text = output.trim();
  try {
    const value = JSON.parse(text) as { summary?: unknown; files_changed?: unknown; data?: unknown };
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return {
        summary: typeof value.summary === 'string' ? value.summary : '',
        files_changed: Array.isArray(value.files_changed) ? value.files_changed.map(String) : [],
        data: value.data,
      };
    }
  } catch {
    // Not JSON: the text itself is the summary.
  }
  return { summary: text.slice(0, 10_000) };
}

const workers: Command = {
  name: 'workers',
  summary: 'Workers connected to the hub, on any instance, with the tasks they hold',
  examples: ['roundtable workers'],
  async run(context) {
    const { workers: found } = await progress(
      'listing workers',
      context.api().get<{ workers: WorkerInfo[] }>('/api/v1/workers'),
    );
    if (context.json) return printJson({ workers: found });
    if (found.length === 0) return notice('No worker is connected.');
    printTable(
      ['WORKER', 'CAPABILITIES', 'LOAD', 'LAST HEARTBEAT', 'HOLDS'],
      found.map((entry) => [
        `@${entry.member}`,
        entry.capabilities.join(',') || '(all granted)',
        `${entry.held.length}/${entry.concurrency}`,
        entry.last_heartbeat_at ? clock(entry.last_heartbeat_at) : '—',
        entry.held.join(' '),
      ]),
    );
  },
};

export const taskCommands: Command[] = [
  create,
  list,
  show,
  decision('cancel', 'Cancel a task you created (or any, as an admin)'),
  decision('accept', 'Accept a result waiting for review'),
  decision('reject', 'Reject a result with feedback: it goes back to the queue', 'FEEDBACK'),
  decision('answer', 'Answer a task waiting for a person', 'ANSWER'),
  worker,
  workers,
];
