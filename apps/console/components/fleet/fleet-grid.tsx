import type { AgentSummary } from "../../lib/shared/types";
import { EmptyState } from "../ui/empty-state";
import { FleetCard } from "./fleet-card";
import styles from "./fleet-card.module.css";

export function FleetGrid({ agents }: { agents: AgentSummary[] }) {
  if (agents.length === 0) {
    return (
      <div className="card">
        <EmptyState title="No agents registered" testId="fleet-empty">
          Start an agent on this machine (<code>npm run agent</code>); the console registers the local agent as
          &ldquo;local&rdquo; when it finds its socket.
        </EmptyState>
      </div>
    );
  }
  return (
    <div className={styles.grid} data-testid="fleet-grid">
      {agents.map((agent) => (
        <FleetCard key={agent.id} agent={agent} />
      ))}
    </div>
  );
}
