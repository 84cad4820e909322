import styles from "./labels.module.css";

/** A machine's labels as `key=value` chips, keys in order. */
export function LabelChips({ labels, testId }: { labels: Readonly<Record<string, string>>; testId?: string }) {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return null;
  return (
    <span className={styles.chips} data-testid={testId}>
      {keys.map((k) => (
        <span key={k} className={styles.chip} data-label={k}>
          {k}={labels[k]}
        </span>
      ))}
    </span>
  );
}
