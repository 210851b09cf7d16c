/**
 * The board's filters: status, assignee, capability, room and words. They narrow what the board
 * already holds (every task this person may see), and live in the store so they outlast a visit
 * to a room while the page stays open.
 */
import { useState } from 'react';
import { SlidersHorizontal } from 'lucide-react';
import type { Task } from '@roundtable/client';
import { TaskStatus } from '@roundtable/protocol';
import { NO_FILTERS, type TaskFilters } from '../store/tasks.js';
import { text, texts } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { LABELS } from './task-labels.js';

export function filtersActive(filters: TaskFilters): boolean {
  return Object.values(filters).some((value) => value !== '');
}

/** Whether a task passes every filter that is set. */
export function matchesFilters(task: Task, filters: TaskFilters): boolean {
  if (filters.status && task.status !== filters.status) return false;
  const assignee = text(task.assignee);
  if (filters.assignee === '-' ? assignee !== undefined : filters.assignee && assignee !== filters.assignee)
    return false;
  if (filters.capability && !texts(task.capabilities).includes(filters.capability)) return false;
  if (filters.room && task.room !== filters.room) return false;
  const words = filters.text.trim().toLowerCase();
  if (words) {
    const haystack = `${text(task.title) ?? ''}\n${text(task.description) ?? ''}`.toLowerCase();
    if (!words.split(/\s+/).every((word) => haystack.includes(word))) return false;
  }
  return true;
}

function count(tasks: number): string {
  return tasks === 1 ? '1 task' : `${tasks} tasks`;
}

function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((value): value is string => Boolean(value)))].sort();
}

export function TaskFiltersBar({ tasks, shown }: { tasks: Task[]; shown: number }) {
  const store = useStore();
  const filters = useChat((state) => state.taskFilters);
  const rooms = useChat((state) => state.rooms);
  const set = (change: Partial<TaskFilters>) => store.filterTasks({ ...filters, ...change });
  const assignees = distinct(tasks.map((task) => text(task.assignee)));
  const capabilities = distinct(tasks.flatMap((task) => texts(task.capabilities)));
  const roomIds = distinct(tasks.map((task) => text(task.room)));
  const roomName = (id: string) => {
    const room = rooms.find((candidate) => candidate.id === id);
    return room ? `#${text(room.name) ?? id}` : id;
  };
  const active = filtersActive(filters);
  // On a phone the selects fold away behind one button; the words stay in view.
  const [open, setOpen] = useState(false);
  const chosen = [filters.status, filters.assignee, filters.capability, filters.room].filter(Boolean).length;
  return (
    <form
      className={`task-filters${open ? ' open' : ''}`}
      role="search"
      aria-label="Filter tasks"
      onSubmit={(event) => event.preventDefault()}
    >
      <label className="field task-filter-text">
        <span>Search</span>
        <input
          type="search"
          value={filters.text}
          placeholder="Words in the title or description"
          onChange={(event) => set({ text: event.target.value })}
        />
      </label>
      <button
        type="button"
        className="task-filters-toggle"
        aria-expanded={open}
        aria-controls="task-filter-more"
        onClick={() => setOpen(!open)}
      >
        <SlidersHorizontal size={16} aria-hidden="true" />
        Filters{chosen > 0 && ` (${chosen})`}
      </button>
      <div className="task-filter-more" id="task-filter-more">
        <label className="field">
          <span>Status</span>
          <select
            value={filters.status}
            onChange={(event) => set({ status: (event.target.value || '') as TaskFilters['status'] })}
          >
            <option value="">Any</option>
            {TaskStatus.options.map((status) => (
              <option key={status} value={status}>
                {LABELS[status]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Assignee</span>
          <select value={filters.assignee} onChange={(event) => set({ assignee: event.target.value })}>
            <option value="">Anyone</option>
            <option value="-">Nobody</option>
            {assignees.map((handle) => (
              <option key={handle} value={handle}>
                @{handle}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Capability</span>
          <select value={filters.capability} onChange={(event) => set({ capability: event.target.value })}>
            <option value="">Any</option>
            {capabilities.map((capability) => (
              <option key={capability} value={capability}>
                {capability}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Room</span>
          <select value={filters.room} onChange={(event) => set({ room: event.target.value })}>
            <option value="">Any</option>
            {roomIds.map((id) => (
              <option key={id} value={id}>
                {roomName(id)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="task-filter-count" aria-live="polite">
        {active ? `${shown} of ${count(tasks.length)}` : count(tasks.length)}
      </p>
      {active && (
        <button type="button" className="ghost" onClick={() => store.filterTasks(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </form>
  );
}
