// The service actions the table offers, with the words the confirm dialog uses. Keeping the copy
// here keeps the table component about layout.
import { ServiceState, type Service } from "@sysward/proto";
import type { AgentClient } from "../../lib/client/transport";

export type ServiceActionKind = "start" | "stop" | "restart" | "rollback" | "remove";

export interface ServiceActionSpec {
  kind: ServiceActionKind;
  label: string;
  /** Dialog title and body. */
  title(s: Service): string;
  body(s: Service): string;
  confirmLabel: string;
  danger: boolean;
  /** Shown after success. */
  done(s: Service): string;
  available(s: Service): boolean;
  run(client: AgentClient, s: Service, signal: AbortSignal): Promise<unknown>;
}

const ACTIVE = new Set([ServiceState.RUNNING, ServiceState.STARTING, ServiceState.BACKOFF]);

function previousVersion(s: Service): string | undefined {
  return s.keptVersions.find((v) => v.id !== s.version?.id)?.id;
}

export const SERVICE_ACTIONS: readonly ServiceActionSpec[] = [
  {
    kind: "start",
    label: "Start",
    title: (s) => `Start ${s.name}?`,
    body: (s) => `The agent starts ${s.name} ${s.version ? `(version ${s.version.id}) ` : ""}and keeps it running.`,
    confirmLabel: "Start",
    danger: false,
    done: (s) => `${s.name} started.`,
    available: (s) => !ACTIVE.has(s.state),
    run: (c, s, signal) => c.startService({ name: s.name }, { signal }),
  },
  {
    kind: "stop",
    label: "Stop",
    title: (s) => `Stop ${s.name}?`,
    body: (s) => `${s.name} is stopped and stays stopped, also across agent restarts, until someone starts it again.`,
    confirmLabel: "Stop",
    danger: true,
    done: (s) => `${s.name} stopped.`,
    available: (s) => ACTIVE.has(s.state),
    run: (c, s, signal) => c.stopService({ name: s.name }, { signal }),
  },
  {
    kind: "restart",
    label: "Restart",
    title: (s) => `Restart ${s.name}?`,
    body: (s) => `${s.name} is stopped and started again. Requests it is serving right now may fail.`,
    confirmLabel: "Restart",
    danger: false,
    done: (s) => `${s.name} restarted.`,
    available: () => true,
    run: (c, s, signal) => c.restartService({ name: s.name }, { signal }),
  },
  {
    kind: "rollback",
    label: "Roll back",
    title: (s) => `Roll ${s.name} back?`,
    body: (s) =>
      `${s.name} switches from version ${s.version?.id ?? "(current)"} to the previous kept version ${previousVersion(s) ?? ""}, which is started in its place.`,
    confirmLabel: "Roll back",
    danger: true,
    done: (s) => `${s.name} rolled back.`,
    available: (s) => previousVersion(s) !== undefined,
    run: (c, s, signal) => c.rollback({ name: s.name }, { signal }),
  },
  {
    kind: "remove",
    label: "Remove",
    title: (s) => `Remove ${s.name}?`,
    body: (s) => `${s.name} is stopped and all its kept versions are deleted from the machine. This cannot be undone.`,
    confirmLabel: "Remove",
    danger: true,
    done: (s) => `${s.name} removed.`,
    available: () => true,
    run: (c, s, signal) => c.remove({ name: s.name }, { signal }),
  },
];
