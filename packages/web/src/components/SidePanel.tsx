/** A panel beside the room (members, a thread): a titled region with a close button. */
import type { ReactNode } from 'react';

export function SidePanel({
  title,
  className,
  onClose,
  children,
}: {
  title: string;
  className: string;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <aside className={`side-panel ${className}`} aria-label={title}>
      <header>
        <h2>{title}</h2>
        <button type="button" className="icon" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </aside>
  );
}
