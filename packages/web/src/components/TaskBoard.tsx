/** The task board: columns by status, kept live by the room log, and a task's detail with its history and the decisions a person can take. */
import { useEffect, useState } from 'react';
import type { Task } from '@roundtable/client';
import { TERMINAL_STATUSES } from '@roundtable/protocol';
import type { TaskMove } from '../chat-store.js';
import { useChat, useStore } from '../use-chat.js';
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

export function TaskBoard({ selected, onSelect }: { selected: string | undefined; onSelect: (id: string) => void }) {
  const store = useStore();
  const tasks = useChat((state) => state.tasks);
  const loaded = useChat((state) => state.tasksLoaded);
  useEffect(() => {
    void store.loadTasks();
  }, [store]);
  const all = Object.values(tasks).sort((a, b) => b.priority - a.priority || a.created_at.localeCompare(b.created_at));
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
                  <button
                    type="button"
                    className={`task-card ${task.status}${task.id === selected ? ' active' : ''}`}
                    onClick={() => onSelect(task.id)}
                    aria-label={`${task.title}, ${LABELS[task.status]}`}
                  >
                    <strong>{task.title}</strong>
                    <span className="task-meta">
                      <span className={`status ${task.status}`}>{LABELS[task.status]}</span>
                      {task.assignee && <span>@{task.assignee}</span>}
                      {task.attempts > 0 && (
                        <span>
                          try {task.attempts + 1}/{task.max_attempts}
                        </span>
                      )}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

export function TaskDetail({ taskId, onClose }: { taskId: string; onClose: () => void }) {
  const store = useStore();
  const task = useChat((state) => state.tasks[taskId]);
  const me = useChat((state) => state.me);
  const [moves, setMoves] = useState<TaskMove[]>([]);
  const [text, setText] = useState('');
  const room = task?.room;
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
    void store.decideTask(task, decision, text.trim()).then(() => setText(''));
  };
  const finished = TERMINAL_STATUSES.has(task.status);
  return (
    <SidePanel title="Task" className="task-panel" onClose={onClose}>
      <div className="task-detail">
        <h3>{task.title}</h3>
        <p>
          <span className={`status ${task.status}`}>{LABELS[task.status]}</span> · by @{task.creator}
          {task.assignee && <> · worked by @{task.assignee}</>} · attempts {task.attempts}/{task.max_attempts}
        </p>
        {task.description && <p className="task-description">{task.description}</p>}
        {task.question && (
          <p className="task-question" role="note">
            {task.question}
          </p>
        )}
        {task.result && (
          <>
            <h4>Result</h4>
            <p>{task.result.summary}</p>
            {task.result.data !== undefined && <pre>{JSON.stringify(task.result.data, null, 2)}</pre>}
          </>
        )}
        {task.verdict && !task.verdict.valid && (
          <p className="error">
            Refused by {task.verdict.by}: {task.verdict.errors.join('; ')}
          </p>
        )}
        {task.feedback && <p className="muted-text">Feedback: {task.feedback}</p>}
        {!finished && (
          <div className="task-actions">
            <label>
              <span className="visually-hidden">Answer or feedback</span>
              <textarea
                aria-label="Answer or feedback"
                placeholder={task.status === 'review' ? 'Feedback if you reject' : 'Your answer'}
                value={text}
                onChange={(event) => setText(event.target.value)}
                rows={2}
              />
            </label>
            {task.status === 'review' && (
              <>
                <button type="button" onClick={() => decide('accept')}>
                  Accept
                </button>
                <button type="button" onClick={() => decide('reject')} disabled={!text.trim()}>
                  Reject
                </button>
              </>
            )}
            {task.status === 'input_required' && (
              <button type="button" onClick={() => decide('answer')} disabled={!text.trim()}>
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
              value={text}
              onChange={(event) => setText(event.target.value)}
              rows={2}
            />
            <button type="button" onClick={() => decide('answer')} disabled={!text.trim()}>
              Answer and retry
            </button>
          </div>
        )}
        <h4>History</h4>
        <ol className="task-history" aria-label="Task history">
          {moves.map((move) => (
            <li key={move.seq}>
              <time dateTime={move.at}>{new Date(move.at).toLocaleTimeString()}</time> @{move.actor} {move.action}
              {move.from ? ` ${LABELS[move.from as Task['status']] ?? move.from} →` : ''}{' '}
              {LABELS[move.to as Task['status']] ?? move.to}
            </li>
          ))}
        </ol>
      </div>
    </SidePanel>
  );
}
