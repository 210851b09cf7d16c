/**
 * Creating a task from the board. The fields are named as task.create names them; the acceptance
 * schema is checked as JSON here, and what the hub refuses is shown in its own words.
 */
import { useId, useState, type FormEvent } from 'react';
import { RoundtableError, type Task } from '@roundtable/client';
import { TaskLimits } from '@roundtable/protocol';
import { text } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { Dialog } from './Dialog.js';
import { titleOf } from './task-labels.js';

/** Capabilities as typed: separated by commas or spaces. */
function capabilitiesOf(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter(Boolean))];
}

/** File patterns, one a line. */
function filesOf(value: string): string[] {
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The schema as sent: undefined when left empty, or why it is not JSON. */
function schemaOf(value: string): { schema?: Record<string, unknown>; problem?: string } {
  if (!value.trim()) return {};
  try {
    // The hub says whether it is an object and a valid JSON Schema; this only catches a typo early.
    return { schema: JSON.parse(value) as Record<string, unknown> };
  } catch (error) {
    return { problem: `Not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function CreateTaskDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (task: Task) => void }) {
  const store = useStore();
  const rooms = useChat((state) => state.rooms);
  const tasks = useChat((state) => state.tasks);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [room, setRoom] = useState('');
  const [parent, setParent] = useState('');
  const [capabilities, setCapabilities] = useState('');
  const [files, setFiles] = useState('');
  const [acceptance, setAcceptance] = useState('');
  const [schemaText, setSchemaText] = useState('');
  const [review, setReview] = useState(false);
  const [schemaProblem, setSchemaProblem] = useState<string | undefined>();
  const [refusal, setRefusal] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const taskRooms = rooms.filter(
    (candidate) => (candidate.kind === 'public' || candidate.kind === 'private') && !candidate.archived,
  );
  const parents = Object.values(tasks).sort((a, b) => titleOf(a).localeCompare(titleOf(b)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { schema, problem } = schemaOf(schemaText);
    setSchemaProblem(problem);
    if (problem || busy) return;
    setBusy(true);
    setRefusal(undefined);
    try {
      const task = await store.createTask({
        title: title.trim(),
        description,
        room: room || undefined,
        parent: parent || undefined,
        capabilities: capabilitiesOf(capabilities),
        files: filesOf(files),
        acceptance: { text: acceptance, schema: schema ?? null, review },
      });
      onCreated(task);
    } catch (error) {
      setRefusal(error instanceof RoundtableError || error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  }

  return (
    <Dialog label="New task" onClose={onClose}>
      <form
        className="stack task-create"
        onSubmit={(event) => void submit(event)}
        aria-describedby={refusal ? `${ids}-refusal` : undefined}
      >
        <label className="field">
          <span>Title</span>
          <input
            data-autofocus
            required
            maxLength={TaskLimits.maxTitleChars}
            value={title}
            onChange={(event) => setTitle(event.target.value)}
          />
        </label>
        <label className="field">
          <span>Description</span>
          <textarea
            rows={3}
            maxLength={TaskLimits.maxDescriptionChars}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </label>
        <label className="field">
          <span>Room</span>
          <select value={room} onChange={(event) => setRoom(event.target.value)} aria-describedby={`${ids}-room`}>
            <option value="">A room of its own</option>
            {taskRooms.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                #{text(candidate.name) ?? candidate.id}
              </option>
            ))}
          </select>
          <small className="hint" id={`${ids}-room`}>
            In a room, the task is logged in a thread there; otherwise the hub opens a room for it.
          </small>
        </label>
        <label className="field">
          <span>Parent task</span>
          <select value={parent} onChange={(event) => setParent(event.target.value)}>
            <option value="">None</option>
            {parents.map((task) => (
              <option key={task.id} value={task.id}>
                {titleOf(task)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Capabilities</span>
          <input
            value={capabilities}
            onChange={(event) => setCapabilities(event.target.value)}
            aria-describedby={`${ids}-capabilities`}
            autoComplete="off"
          />
          <small className="hint" id={`${ids}-capabilities`}>
            What a worker must be granted, separated by commas: docs, review
          </small>
        </label>
        <label className="field">
          <span>Files</span>
          <textarea
            rows={2}
            value={files}
            onChange={(event) => setFiles(event.target.value)}
            aria-describedby={`${ids}-files`}
          />
          <small className="hint" id={`${ids}-files`}>
            Paths or globs the worker may change, one a line; the worker holds them while it works.
          </small>
        </label>
        <label className="field">
          <span>Done when</span>
          <textarea rows={2} value={acceptance} onChange={(event) => setAcceptance(event.target.value)} />
        </label>
        <label className="field">
          <span>Result schema (JSON Schema, optional)</span>
          <textarea
            className="code"
            rows={4}
            spellCheck={false}
            value={schemaText}
            onChange={(event) => {
              setSchemaText(event.target.value);
              setSchemaProblem(undefined);
            }}
            aria-invalid={schemaProblem ? true : undefined}
            aria-describedby={`${ids}-schema`}
            placeholder='{"type": "object", "required": ["url"]}'
          />
          <small className={schemaProblem ? 'hint error' : 'hint'} id={`${ids}-schema`}>
            {schemaProblem ?? "The result's data must satisfy it before the task counts as done."}
          </small>
        </label>
        <label className="task-check">
          <input type="checkbox" checked={review} onChange={(event) => setReview(event.target.checked)} />
          <span>A person reviews the result before it is done</span>
        </label>
        {refusal && (
          <p className="error" role="alert" id={`${ids}-refusal`}>
            {refusal}
          </p>
        )}
        <div className="task-create-actions">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !title.trim()}>
            Create task
          </button>
        </div>
      </form>
    </Dialog>
  );
}
