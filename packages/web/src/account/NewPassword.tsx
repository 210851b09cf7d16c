/** A field for a password being chosen: the hub's minimum length, and marked for password managers as new. */
export function NewPassword({
  label,
  value,
  onChange,
  autoFocus,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  autoFocus?: boolean;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="password"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoComplete="new-password"
        minLength={8}
        required
        autoFocus={autoFocus}
      />
    </label>
  );
}
