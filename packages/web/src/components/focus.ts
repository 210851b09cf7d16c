/**
 * Showing one message that was asked for (a search result, a permalink): scrolled to the middle of
 * its list, focused, and marked `data-focused`, which styles/focus.css highlights for a moment.
 */
import '../styles/focus.css';

/** Scrolls `list` to the message and marks it; false when the message is not in the list (yet). */
export function showFocused(list: HTMLElement, messageId: string): boolean {
  const item = list.querySelector<HTMLElement>(`li.message[data-id="${CSS.escape(messageId)}"]`);
  if (!item) return false;
  for (const other of list.querySelectorAll('li.message[data-focused]')) other.removeAttribute('data-focused');
  const listBox = list.getBoundingClientRect();
  const itemBox = item.getBoundingClientRect();
  list.scrollTop += itemBox.top - listBox.top - Math.max(0, (list.clientHeight - itemBox.height) / 2);
  item.setAttribute('data-focused', '');
  // Keyboard focus lands there too: the arrow keys go on from this message (see MessageList).
  item.focus({ preventScroll: true });
  return true;
}

/**
 * Shows the message once it is in the element matched by `within` (a thread panel whose replies
 * are still loading); gives up after `waitMs`, as a message that never comes needs no highlight.
 */
export function showFocusedWhenShown(within: string, messageId: string, waitMs = 10_000): void {
  const attempt = () => {
    const list = document.querySelector<HTMLElement>(within);
    if (!list || !showFocused(list, messageId)) return false;
    // The list may scroll itself once its new items are shown (to the bottom): centre again after that.
    requestAnimationFrame(() => requestAnimationFrame(() => showFocused(list, messageId)));
    return true;
  };
  if (attempt()) return;
  const observer = new MutationObserver(() => {
    if (attempt()) stop();
  });
  const timer = setTimeout(() => stop(), waitMs);
  function stop() {
    observer.disconnect();
    clearTimeout(timer);
  }
  observer.observe(document.body, { childList: true, subtree: true });
}
