// An enrolled agent's TLS credentials, for alerting before they lapse: when the certificate ends,
// when the CRL must be replaced (after that the listener refuses every client), when the last
// refresh from the console succeeded.
import { Gauge, type Registry } from "prom-client";
import type { CredentialUpkeepStats } from "../credentials/credential-upkeep";

const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

export function registerTlsMetrics(registry: Registry, stats: () => CredentialUpkeepStats): void {
  const gauge = (name: string, help: string, read: (s: CredentialUpkeepStats) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read(stats());
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
  gauge("sysward_agent_tls_certificate_expiry_timestamp_seconds", "When the agent's TLS certificate ends (Unix time); it renews itself 30 days before.", (s) => seconds(s.certificate?.notAfter));
  gauge("sysward_agent_tls_crl_next_update_timestamp_seconds", "When the agent's CRL lapses (Unix time); after that its TCP listener refuses every client.", (s) => seconds(s.crl?.nextUpdate));
  gauge("sysward_agent_tls_last_refresh_timestamp_seconds", "When the agent last fetched its CRL from the console (Unix time).", (s) => seconds(s.lastRefresh));
  gauge("sysward_agent_tls_renewals", "Certificates this agent process renewed.", (s) => s.renewals);
  gauge("sysward_agent_tls_refresh_failures", "Failed credential refreshes since the agent started.", (s) => s.failures);
}
