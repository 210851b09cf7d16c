/**
 * Short confirmations ("Link copied") and failures that need no dialog: they appear in one polite
 * live region at the bottom of the screen and go by themselves.
 */
import { useSyncExternalStore } from 'react';
import { CircleAlert, CircleCheck } from 'lucide-react';

interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

const SHOWN_MS = 4000;
let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<() => void>();

function publish(list: Toast[]): void {
  toasts = list;
  for (const listener of listeners) listener();
}

export function toast(text: string, tone: Toast['tone'] = 'info'): void {
  const id = next++;
  publish([...toasts.slice(-2), { id, text, tone }]);
  setTimeout(() => publish(toasts.filter((item) => item.id !== id)), SHOWN_MS);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function Toaster() {
  const shown = useSyncExternalStore(subscribe, () => toasts);
  return (
    // A live region without the status role: the connection banner is the page's one status.
    <div className="toasts" aria-live="polite">
      {shown.map((item) => (
        <p key={item.id} className={`toast ${item.tone}`}>
          {item.tone === 'error' ? (
            <CircleAlert size={16} aria-hidden="true" />
          ) : (
            <CircleCheck size={16} aria-hidden="true" />
          )}
          {item.text}
        </p>
      ))}
    </div>
  );
}
