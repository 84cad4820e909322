"use client";

import { useState } from "react";
import { describeError } from "../../lib/client/errors";
import { useAgentClient } from "../../lib/client/transport";
import { usePolling } from "../../lib/client/use-polling";
import { LogsView } from "../logs/logs-view";
import { PerfPanel } from "../perf/perf-panel";
import { ServicesTable } from "../services/services-table";
import { useIsAdmin } from "../session/user-context";
import { UploadForm } from "../upload/upload-form";
import { AgentInfoStrip } from "./agent-info-strip";

/** How often the services table asks ListServices; actions and installs also refresh it at once. */
const SERVICES_POLL_MS = 2_000;

/** The agent page's live parts, sharing one services list (table, install form, logs picker). */
export function AgentWorkspace({ agentId }: { agentId: string }) {
  const client = useAgentClient(agentId);
  const admin = useIsAdmin();
  const services = usePolling((signal) => client.listServices({}, { signal }), SERVICES_POLL_MS, [client]);
  const info = usePolling((signal) => client.agentInfo({}, { signal }), 30_000, [client]);
  const [logsFor, setLogsFor] = useState<string | null>(null);
  const list = services.data?.services;
  const names = list?.map((s) => s.name) ?? [];

  return (
    <>
      <AgentInfoStrip info={info.data} error={info.error ? describeError(info.error) : null} />
      <ServicesTable
        agentId={agentId}
        services={list}
        loadError={services.error ? describeError(services.error) : null}
        onChanged={services.refresh}
        onShowLogs={(name) => {
          setLogsFor(name);
          document.getElementById("logs")?.scrollIntoView({ behavior: "smooth", block: "start" });
        }}
      />
      {admin ? <UploadForm agentId={agentId} installed={names} onFinished={services.refresh} /> : null}
      <PerfPanel agentId={agentId} cores={info.data?.cpuCount ?? null} />
      <div id="logs">
        <LogsView agentId={agentId} services={names} selected={logsFor} onSelect={setLogsFor} />
      </div>
    </>
  );
}
