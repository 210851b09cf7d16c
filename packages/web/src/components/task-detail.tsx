/**
 * A task's detail: its fields, result and verdict, its history from the room log, and the decisions
 * a person can take (accept, reject, answer, cancel). Fields are read through safe.ts.
 */
import { useEffect, useState } from 'react';
import { TERMINAL_STATUSES } from '@roundtable/protocol';
import type { TaskMove } from '../store/tasks.js';
import { date, list, num, readable, record, text } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { SidePanel } from './SidePanel.js';
import { label, statusClass, titleOf } from './task-labels.js';

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
