import { ServiceState, type Service } from "@sysward/proto";
import { StatusPill, type PillTone } from "../ui/status-pill";

const STATES: Record<ServiceState, { tone: PillTone; label: string; hint?: string }> = {
  [ServiceState.UNSPECIFIED]: { tone: "unknown", label: "Unknown" },
  [ServiceState.RUNNING]: { tone: "running", label: "Running" },
  [ServiceState.STOPPED]: { tone: "stopped", label: "Stopped" },
  [ServiceState.FAILED]: { tone: "failed", label: "Failed" },
  [ServiceState.STARTING]: { tone: "warn", label: "Starting" },
  [ServiceState.BACKOFF]: { tone: "warn", label: "Restarting", hint: "crashed; waiting out the restart backoff" },
};

export function ServiceStatePill({ service }: { service: Service }) {
  const info = STATES[service.state] ?? STATES[ServiceState.UNSPECIFIED];
  const exit =
    service.state === ServiceState.FAILED || service.state === ServiceState.BACKOFF
      ? service.lastExitSignal
        ? `killed by ${service.lastExitSignal}`
        : `exit code ${service.lastExitCode}`
      : undefined;
  const title = [info.hint, exit].filter(Boolean).join("; ") || undefined;
  return (
    <StatusPill tone={info.tone} testId={`service-state-${service.name}`} title={title}>
      {info.label}
    </StatusPill>
  );
}
