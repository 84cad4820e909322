/** A labelled text box of a filter bar (fleet, services), with the problem under it when there is one. */
export function FilterField({
  id,
  label,
  value,
  onChange,
  placeholder,
  error,
  mono = false,
  type = "text",
}: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  placeholder?: string;
  error?: string | null;
  mono?: boolean;
  type?: "text" | "search";
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className={mono ? "input mono" : "input"}
        type={type}
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        data-testid={id}
      />
      {error ? (
        <div className="field-error" data-testid={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </div>
  );
}
