/**
 * The task board: every task this person can see, by id. Pages and live events can cross, so
 * each task keeps the newest version either of them brought. The board's filters live here too, so
 * they outlast a visit to a room while the page stays open.
 */
import type { Task, TaskStatus } from '@roundtable/protocol';
import type { Action, ChatState } from './state.js';

/** What the board shows: each field narrows it, '' leaves it wide. */
export interface TaskFilters {
  status: TaskStatus | '';
  /** A handle, or '-' for tasks nobody holds. */
  assignee: string;
  capability: string;
  /** A room id. */
  room: string;
  /** Words in the title or the description. */
  text: string;
}

export const NO_FILTERS: TaskFilters = { status: '', assignee: '', capability: '', room: '', text: '' };

/** One move of a task, as its room's log tells it. */
export interface TaskMove {
  seq: number;
  at: string;
  actor: string;
  action: string;
  from: string | null;
  to: string;
}

export type TaskAction =
  /** A task as an event carried it: `id` and `version` are its checked fields, `task` the rest as it came. */
  | { type: 'task.changed'; id: string; version: number; task: Task }
  | { type: 'task.deleted'; id: string }
  | { type: 'tasks.loaded'; tasks: Record<string, Task> }
  /** The hub's answer to this person's own decision on a task, or the task they created. */
  | { type: 'task.decided'; task: Task }
  /** A worker's heartbeat renewed the lease: the same version, a later expiry, maybe the worker's progress. */
  | {
      type: 'task.leased';
      id: string;
      assignee: string;
      lease_expires_at: string;
      at?: string;
      progress?: number | null;
      progress_note?: string | null;
    }
  | { type: 'task.filtered'; filters: TaskFilters };

export function reduceTasks(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'task.changed': {
      const known = state.tasks[action.id];
      if (known && !(known.version < action.version)) return state;
      return { ...state, tasks: { ...state.tasks, [action.id]: action.task } };
    }
    case 'task.deleted': {
      const tasks = { ...state.tasks };
      delete tasks[action.id];
      return { ...state, tasks };
    }
    case 'tasks.loaded': {
      const tasks = { ...action.tasks };
      // Events that arrived while the pages loaded are newer than what the pages said.
      for (const [id, live] of Object.entries(state.tasks)) {
        if (!tasks[id] || tasks[id].version < live.version) tasks[id] = live;
      }
      return { ...state, tasks, tasksLoaded: true };
    }
    case 'task.decided':
      return { ...state, tasks: { ...state.tasks, [action.task.id]: action.task } };
    case 'task.leased': {
      const known = state.tasks[action.id];
      // A lease frame racing the release that followed it must not give the task back its worker.
      if (!known || known.assignee !== action.assignee) return state;
      return {
        ...state,
        tasks: {
          ...state.tasks,
          [action.id]: {
            ...known,
            lease_expires_at: action.lease_expires_at,
            ...(action.at === undefined ? {} : { heartbeat_at: action.at }),
            ...(action.progress === undefined ? {} : { progress: action.progress }),
            ...(action.progress_note === undefined ? {} : { progress_note: action.progress_note }),
          },
        },
      };
    }
    case 'task.filtered':
      return { ...state, taskFilters: action.filters };
    default:
      return state;
  }
}
