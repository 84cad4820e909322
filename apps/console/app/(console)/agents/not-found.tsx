import Link from "next/link";
import { EmptyState } from "../../../components/ui/empty-state";

export default function AgentNotFound() {
  return (
    <div className="card">
      <EmptyState title="No such agent" testId="agent-not-found">
        This console has no agent with that id. <Link href="/">See the fleet</Link> for the registered ones.
      </EmptyState>
    </div>
  );
}
