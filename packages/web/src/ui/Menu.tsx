/**
 * A menu behind a button, as the WAI-ARIA menu-button pattern has it: the button opens it, arrow
 * keys move through the items, Enter or a click picks one, Escape or a click elsewhere closes it
 * and gives focus back to the button. Items with `checked` are a radio group (one level of many).
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Check } from 'lucide-react';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  icon?: ReactNode;
  /** Present on every item of a choice: the item that holds is marked. */
  checked?: boolean;
  danger?: boolean;
  hint?: string;
}

export function Menu({
  label,
  trigger,
  items,
  className = 'ghost',
  align = 'end',
  tip,
}: {
  /** The button's accessible name. */
  label: string;
  /** What the button shows. */
  trigger: ReactNode;
  items: MenuItem[];
  className?: string;
  align?: 'start' | 'end';
  tip?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const focusables = list.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]');
    const checked = list.current?.querySelector<HTMLElement>('[aria-checked="true"]');
    (checked ?? focusables?.[0])?.focus();
    function outside(event: MouseEvent) {
      const target = event.target as Node;
      if (!list.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    }
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);

  function close(refocus: boolean) {
    setOpen(false);
    if (refocus) button.current?.focus();
  }

  function onKeyDown(event: React.KeyboardEvent) {
    const items = [...(list.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => items[(to + items.length) % items.length]?.focus();
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(items.length - 1);
    else if (event.key === 'Escape') {
      event.stopPropagation();
      close(true);
    } else if (event.key === 'Tab') close(false);
    else return;
    event.preventDefault();
  }

  const radio = items.some((item) => item.checked !== undefined);
  return (
    <div className="menu-anchor">
      <button
        ref={button}
        type="button"
        className={className}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        data-tip={tip && !open ? label : undefined}
        data-tip-side={tip ? 'below' : undefined}
        onClick={() => setOpen(!open)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {trigger}
      </button>
      {open && (
        <div ref={list} id={id} className={`menu-list ${align}`} role="menu" aria-label={label} onKeyDown={onKeyDown}>
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role={radio ? 'menuitemradio' : 'menuitem'}
              aria-checked={radio ? Boolean(item.checked) : undefined}
              className={`menu-item${item.danger ? ' danger' : ''}`}
              tabIndex={-1}
              onClick={() => {
                close(true);
                item.onSelect();
              }}
            >
              <span className="menu-icon" aria-hidden="true">
                {radio ? item.checked && <Check size={15} /> : item.icon}
              </span>
              <span className="menu-label">{item.label}</span>
              {item.hint && <span className="menu-hint">{item.hint}</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
