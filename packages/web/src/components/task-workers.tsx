/**
 * The worker view: each agent holding tasks, what it holds, since when, its last heartbeat and when
 * its lease runs out. Heartbeats arrive as `task.lease` frames, so the times move as the worker
 * works. Agents that hold nothing are not listed: the hub does not tell who is registered.
 */
import { useEffect, useState } from 'react';
import type { Task } from '@roundtable/client';
import { date, num, text } from '../safe.js';
import { useChat } from '../use-chat.js';
import { label, statusClass, titleOf } from './task-labels.js';
import { progressText, TaskProgress } from './task-progress.js';

/** Statuses in which a worker holds a task. */
const HELD: ReadonlySet<string> = new Set(['assigned', 'running', 'input_required']);

/**
 * The last heartbeat of a running task: the hub sets the lease to the heartbeat's time plus
 * `lease_ms`, so the one follows from the other. An assigned task has had none yet.
 */
export function lastHeartbeat(task: Task): Date | undefined {
  // The hub keeps the time itself; a lease cut short by max_runtime_ms no longer tells it.
  const kept = date(task.heartbeat_at);
  if (kept && task.status === 'running') return kept;
  const expires = date(task.lease_expires_at);
  const leaseMs = num(task.lease_ms);
  if (task.status !== 'running' || !expires || leaseMs === undefined) return undefined;
  return new Date(expires.getTime() - leaseMs);
}

/** The current time, moved on every few seconds so "ago" stays true. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function relative(at: Date, now: number): string {
  const seconds = Math.round((at.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const amount = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  if (abs < 2) return 'now';
  return seconds < 0 ? `${amount} ago` : `in ${amount}`;
}

function When({ at, now }: { at: Date | undefined; now: number }) {
  if (!at) return <>—</>;
  return (
    <>
      <time dateTime={at.toISOString()}>{at.toLocaleTimeString()}</time>{' '}
      <span className="muted-text">({relative(at, now)})</span>
    </>
  );
}

export function WorkerView({ onSelect }: { onSelect: (id: string) => void }) {
  const tasks = useChat((state) => state.tasks);
  const presence = useChat((state) => state.presence);
  const now = useNow(5_000);
  const byWorker = new Map<string, Task[]>();
  for (const task of Object.values(tasks)) {
    const worker = text(task.assignee);
    if (!worker || !HELD.has(task.status)) continue;
    byWorker.set(worker, [...(byWorker.get(worker) ?? []), task]);
  }
  const workers = [...byWorker.keys()].sort();
  if (workers.length === 0) {
    return (
      <div className="task-workers page-body">
        <p className="task-empty">No worker holds a task right now. Agents show up here once they claim one.</p>
      </div>
    );
  }
  return (
    <div className="task-workers page-body">
      {workers.map((worker) => {
        const held = byWorker
          .get(worker)!
          .sort((a, b) => (text(a.assigned_at) ?? '').localeCompare(text(b.assigned_at) ?? ''));
        const status = text(presence[worker]);
        return (
          <section key={worker} className="card worker-card" aria-label={`@${worker}`}>
            <header className="worker-head">
              <h3>@{worker}</h3>
              {status && (
                <span className="worker-presence">
                  <span className={`presence-dot ${status}`} aria-hidden="true" /> {status}
                </span>
              )}
              <span className="muted-text">
                holds {held.length} {held.length === 1 ? 'task' : 'tasks'}
              </span>
            </header>
            <ul className="worker-tasks">
              {held.map((task) => (
                <li key={task.id} aria-label={titleOf(task)}>
                  <button type="button" className="ghost worker-task-title" onClick={() => onSelect(task.id)}>
                    {titleOf(task)}
                  </button>
                  <span className={`task-status ${statusClass(task.status)}`}>{label(task.status)}</span>
                  <dl className="worker-times">
                    <div>
                      <dt>Held since</dt>
                      <dd>
                        <When at={date(task.assigned_at)} now={now} />
                      </dd>
                    </div>
                    <div>
                      <dt>Last heartbeat</dt>
                      <dd>
                        {task.status === 'input_required' ? (
                          'paused while a person is asked'
                        ) : task.status === 'assigned' ? (
                          'none yet'
                        ) : (
                          <When at={lastHeartbeat(task)} now={now} />
                        )}
                      </dd>
                    </div>
                    {progressText(task) && (
                      <div>
                        <dt>Progress</dt>
                        <dd>
                          <TaskProgress task={task} />
                        </dd>
                      </div>
                    )}
                    <div>
                      <dt>Lease expires</dt>
                      <dd>
                        <When at={date(task.lease_expires_at)} now={now} />
                      </dd>
                    </div>
                  </dl>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
