/** A button that shows only an icon: its name is read out and shown as a tooltip on hover or focus. */
import type { ButtonHTMLAttributes, ReactNode } from 'react';

export function IconButton({
  label,
  children,
  tipSide,
  className = '',
  ...rest
}: { label: string; children: ReactNode; tipSide?: 'below' | 'left' } & Omit<
  ButtonHTMLAttributes<HTMLButtonElement>,
  'aria-label' | 'children'
>) {
  return (
    <button
      type="button"
      className={`icon ${className}`.trim()}
      aria-label={label}
      data-tip={label}
      data-tip-side={tipSide}
      {...rest}
    >
      {children}
    </button>
  );
}
