/** A panel beside the room (members, a thread, a task): a titled region with a close button, and its error boundary. */
import type { ReactNode } from 'react';
import { X } from 'lucide-react';
import { Boundary } from './Boundary.js';

interface Props {
  title: string;
  className: string;
  onClose: () => void;
  children: ReactNode;
}

export function SidePanel({ title, className, onClose, children }: Props) {
  return (
    <aside className={`side-panel ${className}`} aria-label={title}>
      <header>
        <h2>{title}</h2>
        <button type="button" className="icon" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>
          <X size={18} aria-hidden="true" />
        </button>
      </header>
      {children}
    </aside>
  );
}

/** A panel that fails to render keeps its title and close button, with a notice: the room beside it stays. */
export function PanelBoundary({ title, className, onClose, children }: Props) {
  return (
    <Boundary
      fallback={
        <SidePanel title={title} className={className} onClose={onClose}>
          <p className="unshown panel-unshown">The {title.toLowerCase()} panel could not be shown.</p>
        </SidePanel>
      }
    >
      {children}
    </Boundary>
  );
}
