/**
 * The task board: columns by status, kept live by the room log, and a task's detail with its history
 * and the decisions a person can take. A task's fields are read through safe.ts, and a card that
 * still fails to render shows a notice in its place.
 */
import { useEffect, useState } from 'react';
import type { Task } from '@roundtable/client';
import { TaskStatus, TERMINAL_STATUSES } from '@roundtable/protocol';
import type { TaskMove } from '../store/tasks.js';
import { date, list, num, oneOf, readable, record, text } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { Boundary } from './Boundary.js';
import { SidePanel } from './SidePanel.js';

const COLUMNS: Array<{ title: string; statuses: Task['status'][] }> = [
  { title: 'Pending', statuses: ['pending'] },
  { title: 'In progress', statuses: ['assigned', 'running'] },
  { title: 'Needs a person', statuses: ['input_required', 'review'] },
  { title: 'Done', statuses: ['completed'] },
  { title: 'Failed or cancelled', statuses: ['failed', 'cancelled'] },
];

const LABELS: Record<Task['status'], string> = {
  pending: 'pending',
  assigned: 'assigned',
  running: 'running',
  review: 'review',
  input_required: 'needs input',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** A status's label; a status this board does not know is shown as it came. */
function label(status: unknown): string | undefined {
  const known = oneOf(status, TaskStatus.options);
  return known ? LABELS[known] : text(status);
}

/** A status as a class name: only the statuses the stylesheet knows. */
function statusClass(status: unknown): string {
  return oneOf(status, TaskStatus.options) ?? '';
}

function titleOf(task: Task): string {
  return text(task.title) || 'Untitled task';
}

export function TaskBoard({ selected, onSelect }: { selected: string | undefined; onSelect: (id: string) => void }) {
  const store = useStore();
  const tasks = useChat((state) => state.tasks);
  const loaded = useChat((state) => state.tasksLoaded);
  useEffect(() => {
    void store.loadTasks();
  }, [store]);
  const all = Object.values(tasks).sort(
    (a, b) =>
      (num(b.priority) ?? 0) - (num(a.priority) ?? 0) ||
      (text(a.created_at) ?? '').localeCompare(text(b.created_at) ?? ''),
  );
  return (
    <div className="board" aria-busy={!loaded}>
      {COLUMNS.map((column) => {
        const inColumn = all.filter((task) => column.statuses.includes(task.status));
        return (
          <section key={column.title} className="board-column" aria-label={column.title}>
            <h3>
              {column.title} <span className="muted-text">{inColumn.length}</span>
            </h3>
            <ul>
              {inColumn.map((task) => (
                <li key={task.id}>
                  <Boundary
                    resetKey={task}
                    fallback={<p className="task-card unshown">This task could not be shown.</p>}
                  >
                    <TaskCard task={task} active={task.id === selected} onSelect={onSelect} />
                  </Boundary>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function TaskCard({ task, active, onSelect }: { task: Task; active: boolean; onSelect: (id: string) => void }) {
  const assignee = text(task.assignee);
  const attempts = num(task.attempts) ?? 0;
  const tries = attempts > 0 ? `try ${attempts + 1}/${num(task.max_attempts) ?? '?'}` : undefined;
  // The name holds every visible part, in order, separated by spaces as the parts are.
  const name = [`${titleOf(task)},`, label(task.status), assignee && `@${assignee}`, tries].filter(Boolean).join(' ');
  return (
    <button
      type="button"
      className={`task-card ${statusClass(task.status)}${active ? ' active' : ''}`}
      onClick={() => onSelect(task.id)}
      aria-label={name}
    >
      <strong className="task-title">{titleOf(task)}</strong>{' '}
      <span className="task-meta">
        <span className={`status ${statusClass(task.status)}`}>{label(task.status)}</span>{' '}
        {assignee && <span className="handle">@{assignee}</span>} {tries && <span>{tries}</span>}
      </span>
    </button>
  );
}

export function TaskDetail({ taskId, onClose }: { taskId: string; onClose: () => void }) {
  const store = useStore();
  const task = useChat((state) => state.tasks[taskId]);
  const me = useChat((state) => state.me);
  const [moves, setMoves] = useState<TaskMove[]>([]);
  const [answer, setAnswer] = useState('');
  const room = text(task?.room);
  // The version is a dependency so the history is read again whenever the task moves.
  const version = task?.version;
  useEffect(() => {
    if (!room || version === undefined) return;
    let live = true;
    void store.taskHistory(room, taskId).then((loaded) => live && setMoves(loaded));
    return () => {
      live = false;
    };
  }, [store, room, taskId, version]);
  if (!task) return null;
  const decide = (decision: 'accept' | 'reject' | 'answer' | 'cancel') => {
    void store.decideTask(task, decision, answer.trim()).then(() => setAnswer(''));
  };
  const finished = TERMINAL_STATUSES.has(task.status);
  const assignee = text(task.assignee);
  const description = text(task.description);
  const question = text(task.question);
  const result = record(task.result);
  const summary = text(result.summary);
  const verdict = record(task.verdict);
  const errors = list(verdict.errors).map(readable);
  const feedback = text(task.feedback);
  return (
    <SidePanel title="Task" className="task-panel" onClose={onClose}>
      <div className="task-detail">
        <h3>{titleOf(task)}</h3>
        <p>
          <span className={`status ${statusClass(task.status)}`}>{label(task.status)}</span> · by @
          {text(task.creator) ?? '?'}
          {assignee && <> · worked by @{assignee}</>} · attempts {num(task.attempts) ?? '?'}/
          {num(task.max_attempts) ?? '?'}
        </p>
        {description && <p className="task-description">{description}</p>}
        {question && (
          <p className="task-question" role="note">
            {question}
          </p>
        )}
        {task.result && (
          <>
            <h4>Result</h4>
            {summary && <p>{summary}</p>}
            {result.data !== undefined && <pre tabIndex={0}>{readable(result.data)}</pre>}
          </>
        )}
        {verdict.valid === false && (
          <p className="error">
            Refused by {text(verdict.by) ?? 'the hub'}
            {errors.length > 0 && `: ${errors.join('; ')}`}
          </p>
        )}
        {feedback && <p className="muted-text">Feedback: {feedback}</p>}
        {!finished && (
          <div className="task-actions">
            <label>
              <span className="visually-hidden">Answer or feedback</span>
              <textarea
                aria-label="Answer or feedback"
                placeholder={task.status === 'review' ? 'Feedback if you reject' : 'Your answer'}
                value={answer}
                onChange={(event) => setAnswer(event.target.value)}
                rows={2}
              />
            </label>
            {task.status === 'review' && (
              <>
                <button type="button" onClick={() => decide('accept')}>
                  Accept
                </button>
                <button type="button" onClick={() => decide('reject')} disabled={!answer.trim()}>
                  Reject
                </button>
              </>
            )}
            {task.status === 'input_required' && (
              <button type="button" onClick={() => decide('answer')} disabled={!answer.trim()}>
                Answer
              </button>
            )}
            {(task.creator === me?.handle || me?.role === 'admin') && (
              <button type="button" onClick={() => decide('cancel')}>
                Cancel task
              </button>
            )}
          </div>
        )}
        {task.status === 'failed' && (
          <div className="task-actions">
            <textarea
              aria-label="Answer to resume"
              value={answer}
              onChange={(event) => setAnswer(event.target.value)}
              rows={2}
            />
            <button type="button" onClick={() => decide('answer')} disabled={!answer.trim()}>
              Answer and retry
            </button>
          </div>
        )}
        <h4>History</h4>
        <ol className="task-history" aria-label="Task history">
          {moves.map((move) => {
            const at = date(move.at);
            return (
              <li key={move.seq}>
                {at && <time dateTime={at.toISOString()}>{at.toLocaleTimeString()}</time>} @{move.actor} {move.action}
                {move.from ? ` ${label(move.from)} →` : ''} {label(move.to)}
              </li>
            );
          })}
        </ol>
      </div>
    </SidePanel>
  );
}
