/** How the app reaches search and messages: its keyboard shortcuts, and a permalink the page was opened at. */
import { useEffect } from 'react';

/** Whether keys typed now go into a field of the page (where `/` is text, not a shortcut). */
function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Ctrl+F (Cmd+F on a Mac) opens search in place of the browser's find-in-page, which sees only the
 * messages loaded; `/` does too, outside a text field (in the composer it starts a command).
 */
export function useSearchKeys(open: () => void): void {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const find = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f';
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !typingInField(event.target);
      if (!find && !slash) return;
      event.preventDefault();
      open();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
}

/** The message id of a `/m/<id>` address (see permalink.ts), if the page was opened at one. */
export function permalinkTarget(path: string): string | undefined {
  const match = /^\/m\/([^/]+)\/?$/.exec(path);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}
