/**
 * The tasks page: the board (columns by status, kept live by the room log, subtasks under their
 * parent with a roll-up), its filters, the worker view, and creating a task. A task's fields are
 * read through safe.ts, and a card that still fails to render shows a notice in its place.
 */
import { useEffect, useState } from 'react';
import { ChevronDown, ChevronRight, Menu as MenuIcon, Plus } from 'lucide-react';
import type { Task } from '@roundtable/client';
import { num, text } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { Boundary } from './Boundary.js';
import { CreateTaskDialog } from './task-create.js';
import { filtersActive, matchesFilters, TaskFiltersBar } from './task-filters.js';
import { COLUMNS, label, statusClass, titleOf } from './task-labels.js';
import { progressText, TaskProgress } from './task-progress.js';
import { WorkerView } from './task-workers.js';
import '../styles/tasks.css';

interface Props {
  selected: string | undefined;
  onSelect: (id: string) => void;
  onMenu: () => void;
}

export function TasksPage({ selected, onSelect, onMenu }: Props) {
  const store = useStore();
  const [view, setView] = useState<'board' | 'workers'>('board');
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    void store.loadTasks();
  }, [store]);
  return (
    <main className="room-view tasks-page" aria-label="Tasks">
      <header className="room-header">
        <button type="button" className="icon menu" aria-label="Show rooms" onClick={onMenu}>
          <MenuIcon size={20} aria-hidden="true" />
        </button>
        <div className="room-title">
          <h2>Tasks</h2>
          <p className="topic">Work handed to agents, live</p>
        </div>
        <div className="task-views" role="group" aria-label="View">
          <button type="button" aria-pressed={view === 'board'} onClick={() => setView('board')}>
            Board
          </button>
          <button type="button" aria-pressed={view === 'workers'} onClick={() => setView('workers')}>
            Workers
          </button>
        </div>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          <Plus size={16} aria-hidden="true" />
          New task
        </button>
      </header>
      {view === 'board' ? <TaskBoard selected={selected} onSelect={onSelect} /> : <WorkerView onSelect={onSelect} />}
      {creating && (
        <CreateTaskDialog
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            setView('board');
          }}
        />
      )}
    </main>
  );
}

/** Highest priority first, then oldest. */
function byPriority(a: Task, b: Task): number {
  return (
    (num(b.priority) ?? 0) - (num(a.priority) ?? 0) ||
    (text(a.created_at) ?? '').localeCompare(text(b.created_at) ?? '')
  );
}

/** Each task's subtasks that are on the board, by parent id. */
function childrenOf(tasks: Record<string, Task>): Map<string, Task[]> {
  const children = new Map<string, Task[]>();
  for (const task of Object.values(tasks)) {
    const parent = text(task.parent);
    if (parent && parent !== task.id && tasks[parent]) children.set(parent, [...(children.get(parent) ?? []), task]);
  }
  for (const list of children.values()) list.sort(byPriority);
  return children;
}

/**
 * Whether a task, or one of its subtasks at any depth, passes the filters. `seen` stops at a task
 * met before: stored parents may form a loop.
 */
function shows(
  task: Task,
  children: Map<string, Task[]>,
  pass: (task: Task) => boolean,
  seen = new Set<string>(),
): boolean {
  if (seen.has(task.id)) return false;
  seen.add(task.id);
  return pass(task) || (children.get(task.id) ?? []).some((child) => shows(child, children, pass, seen));
}

/** Whether a task sits under a parent on the board, and not in a column of its own. */
function nested(task: Task, tasks: Record<string, Task>): boolean {
  const parent = text(task.parent);
  if (!parent || parent === task.id || !tasks[parent]) return false;
  // A loop of parents has no top: its tasks are shown in their columns.
  const seen = new Set([task.id]);
  for (let at: string | undefined = parent; at && tasks[at]; at = text(tasks[at]!.parent)) {
    if (seen.has(at)) return false;
    seen.add(at);
  }
  return true;
}

function TaskBoard({ selected, onSelect }: Omit<Props, 'onMenu'>) {
  const tasks = useChat((state) => state.tasks);
  const loaded = useChat((state) => state.tasksLoaded);
  const filters = useChat((state) => state.taskFilters);
  const [lane, setLane] = useState(0);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const all = Object.values(tasks).sort(byPriority);
  const children = childrenOf(tasks);
  const pass = (task: Task) => matchesFilters(task, filters);
  const top = all.filter((task) => !nested(task, tasks) && shows(task, children, pass));
  const toggle = (id: string) =>
    setCollapsed((before) => {
      const next = new Set(before);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const card = { selected, onSelect, children, collapsed, toggle, pass, filtering: filtersActive(filters) };
  const lanes = COLUMNS.map((column) => ({
    ...column,
    tasks: top.filter((task) => column.statuses.includes(task.status)),
  }));
  return (
    <>
      <TaskFiltersBar tasks={all} shown={all.filter(pass).length} />
      <nav className="task-lane-switcher" aria-label="Columns">
        {lanes.map((column, index) => (
          <button key={column.title} type="button" aria-pressed={lane === index} onClick={() => setLane(index)}>
            {column.title} <span className="task-count">{column.tasks.length}</span>
          </button>
        ))}
      </nav>
      {/* Focusable: when the columns overflow, a keyboard scrolls them sideways from here. */}
      <div className="task-lanes" role="group" aria-label="Task columns" tabIndex={0} aria-busy={!loaded}>
        {lanes.map((column, index) => (
          <section
            key={column.title}
            className={`task-lane${lane === index ? ' chosen' : ''}`}
            aria-label={column.title}
          >
            <h3>
              {column.title} <span className="task-count">{column.tasks.length}</span>
            </h3>
            {column.tasks.length === 0 ? (
              <p className="task-empty">Nothing here</p>
            ) : (
              <ul>
                {column.tasks.map((task) => (
                  <TaskItem key={task.id} task={task} depth={0} trail={[]} {...card} />
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
    </>
  );
}

interface ItemProps {
  task: Task;
  depth: number;
  /** The ids above this one, so a loop of parents is drawn once. */
  trail: string[];
  selected: string | undefined;
  onSelect: (id: string) => void;
  children: Map<string, Task[]>;
  collapsed: ReadonlySet<string>;
  toggle: (id: string) => void;
  pass: (task: Task) => boolean;
  filtering: boolean;
}

/** A card, and under it its subtasks with how many are done, folded or not. */
function TaskItem(props: ItemProps) {
  const { task, trail, children, collapsed, toggle, pass, filtering } = props;
  const subtasks = (children.get(task.id) ?? []).filter((child) => !trail.includes(child.id));
  const shown = subtasks.filter((child) => !filtering || shows(child, children, pass));
  const done = subtasks.filter((child) => child.status === 'completed').length;
  const open = !collapsed.has(task.id);
  const listId = `subtasks-${task.id}`;
  return (
    <li className={props.depth > 0 ? 'task-subtask' : undefined}>
      <Boundary resetKey={task} fallback={<p className="task-item unshown">This task could not be shown.</p>}>
        <TaskCard task={task} active={task.id === props.selected} onSelect={props.onSelect} />
      </Boundary>
      {subtasks.length > 0 && (
        <div className="task-subtasks">
          <button
            type="button"
            className="ghost task-rollup"
            aria-expanded={open}
            aria-controls={open ? listId : undefined}
            aria-label={`Subtasks of ${titleOf(task)}: ${done}/${subtasks.length} done`}
            onClick={() => toggle(task.id)}
          >
            {open ? <ChevronDown size={14} aria-hidden="true" /> : <ChevronRight size={14} aria-hidden="true" />}
            {done}/{subtasks.length} done
            <span className="task-progress" aria-hidden>
              <span style={{ width: `${(100 * done) / subtasks.length}%` }} />
            </span>
          </button>
          {open && (
            <ul id={listId} aria-label={`Subtasks of ${titleOf(task)}`}>
              {shown.map((child) => (
                <TaskItem key={child.id} {...props} task={child} depth={props.depth + 1} trail={[...trail, task.id]} />
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}

function TaskCard({ task, active, onSelect }: { task: Task; active: boolean; onSelect: (id: string) => void }) {
  const assignee = text(task.assignee);
  const attempts = num(task.attempts) ?? 0;
  const tries = attempts > 0 ? `try ${attempts + 1}/${num(task.max_attempts) ?? '?'}` : undefined;
  // The name holds every visible part, in order, separated by spaces as the parts are.
  const held = task.status === 'running' || task.status === 'assigned';
  const progress = held ? progressText(task) : undefined;
  const name = [`${titleOf(task)},`, label(task.status), assignee && `@${assignee}`, tries, progress]
    .filter(Boolean)
    .join(' ');
  return (
    <button
      type="button"
      className={`task-item ${statusClass(task.status)}${active ? ' active' : ''}`}
      onClick={() => onSelect(task.id)}
      aria-label={name}
      aria-current={active ? 'true' : undefined}
    >
      <strong className="task-title">{titleOf(task)}</strong>{' '}
      <span className="task-meta">
        <span className={`task-status ${statusClass(task.status)}`}>{label(task.status)}</span>{' '}
        {assignee && <span className="handle">@{assignee}</span>} {tries && <span>{tries}</span>}
      </span>
      {progress && <TaskProgress task={task} />}
    </button>
  );
}
