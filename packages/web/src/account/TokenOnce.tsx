/** A secret or a link shown once, with a copy button: the hub keeps only its hash. */
import { CopyButton } from '../ui/CopyButton.js';

export function ShownOnce({ label, value, note }: { label: string; value: string; note: string }) {
  return (
    <div className="shown-once" role="status">
      <span className="shown-once-label">{label}</span>
      <div className="shown-once-value">
        <code>{value}</code>
        <CopyButton text={value} />
      </div>
      <small className="hint">{note}</small>
    </div>
  );
}
