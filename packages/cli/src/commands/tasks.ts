/**
 * `roundtable task …` for coordinators and reviewers (create, list, show, cancel, accept, reject,
 * answer), and `roundtable worker`, which runs a shell command per task under a kept-alive lease.
 */
import { spawn } from 'node:child_process';
import { RoundtableClient, RoundtableError, TaskWorker, type Task } from '@roundtable/client';
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
  },
  examples: ['roundtable worker --capability typescript --exec "./fix-task.sh"'],
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
      handler: async (task, { signal, previous }) => {
        notice(`${clock(new Date().toISOString())} working on ${task.id}: ${oneLine(task.title)}`);
        const output = await runShell(command, JSON.stringify({ ...task, previous_verdict: previous }), signal);
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

/** Runs the command in a shell with `input` on stdin; resolves with stdout, rejects on a non-zero exit or an abort. */
function runShell(command: string, input: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'inherit'], signal });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
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

export const taskCommands: Command[] = [
  create,
  list,
  show,
  decision('cancel', 'Cancel a task you created (or any, as an admin)'),
  decision('accept', 'Accept a result waiting for review'),
  decision('reject', 'Reject a result with feedback: it goes back to the queue', 'FEEDBACK'),
  decision('answer', 'Answer a task waiting for a person', 'ANSWER'),
  worker,
];
