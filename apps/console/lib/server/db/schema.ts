import "server-only";
// Schema migrations, applied in order; PRAGMA user_version records how many have run.
// Append only: never edit a migration that has shipped.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at    INTEGER NOT NULL
  );
  -- Only hashes of session ids and API tokens are stored: a copy of this file logs nobody in.
  -- (Agents' bearer tokens, which the console must send, are sealed with the key in secret.key:
  -- lib/server/secrets/secret-box.ts.)
  CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    address      TEXT
  );
  CREATE INDEX sessions_by_user ON sessions(user_id);
  CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
  );
  CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
  );
  CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    user_id  INTEGER,
    username TEXT,
    address  TEXT,
    action   TEXT NOT NULL,
    target   TEXT,
    result   TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'denied')),
    detail   TEXT
  );
  CREATE INDEX audit_log_by_time ON audit_log(at);
  -- credential: JSON, e.g. {"kind":"token-file","path":"…/agent.token"}; one holding a token is
  -- stored sealed ("sealed:v1:…", lib/server/agents/agent-credential.ts).
  CREATE TABLE agents (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 2: remote agents enrol with a one-time token and get a certificate from the console's CA.
  `
  -- Only the SHA-256 of an enrollment token is stored; used_at burns it.
  CREATE TABLE enrollments (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    agent_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
  );
  -- Every certificate the console's CA signed; revoked_at set means it is in the CRL and the
  -- console refuses a peer presenting it. serial: uppercase hex as OpenSSL prints it.
  CREATE TABLE certificates (
    serial         TEXT PRIMARY KEY,
    fingerprint256 TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('agent', 'client')),
    subject        TEXT NOT NULL,
    agent_id       TEXT,
    not_after      INTEGER NOT NULL,
    issued_at      INTEGER NOT NULL,
    revoked_at     INTEGER
  );
  CREATE INDEX certificates_by_agent ON certificates(agent_id);
  `,
  // 3: API tokens may expire.
  `
  ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
  `,
  // 4: repeated unauthenticated events are one row with a count.
  `
  ALTER TABLE audit_log ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
  `,
  // 5: the fleet monitor's record of changes (machines up and down, services' states and
  // versions), kept SYSWARD_EVENT_RETENTION_DAYS; and labels on machines (env=prod, role=web).
  `
  CREATE TABLE fleet_events (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('machine.up', 'machine.down', 'service.state', 'service.version')),
    service  TEXT,
    state    TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX fleet_events_by_agent ON fleet_events(agent_id, kind, id);
  CREATE INDEX fleet_events_by_time ON fleet_events(at);
  CREATE TABLE agent_labels (
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (agent_id, key)
  );
  `,
  // 6: machines reached over SSH: the host key pinned on first contact (agents/ssh/known-hosts.ts).
  `
  -- host: "host:port" as the console dials it; fingerprint: OpenSSH's "SHA256:<base64>".
  CREATE TABLE ssh_host_keys (
    host        TEXT PRIMARY KEY,
    key_type    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    added_at    INTEGER NOT NULL
  );
  `,
  // 7: rollouts: one package to the machines a selector picks, in waves; every host's step is
  // recorded before it is taken, so a restarted console resumes without installing twice.
  `
  CREATE TABLE rollouts (
    id          INTEGER PRIMARY KEY,
    service     TEXT NOT NULL,
    -- canonical text (rollouts/rollout-plan.ts): one spelling per meaning
    selector    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    strategy    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'awaiting-approval', 'succeeded', 'incomplete', 'stopped', 'cancelled', 'reverting', 'reverted')),
    reason      TEXT NOT NULL DEFAULT '',
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    -- set when someone let it go on past its canary wave (strategy approveAfterCanary)
    approved_at INTEGER,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
  );
  -- One rollout per service and selector at a time, enforced by the database itself.
  CREATE UNIQUE INDEX rollouts_one_active ON rollouts(service, selector) WHERE state IN ('running', 'awaiting-approval', 'reverting');
  CREATE INDEX rollouts_by_time ON rollouts(created_at);
  CREATE TABLE rollout_hosts (
    rollout_id       INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
    agent_id         TEXT NOT NULL,
    agent_name       TEXT NOT NULL,
    position         INTEGER NOT NULL,
    wave             INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'installing', 'healthy', 'failed', 'skipped', 'reverting', 'reverted', 'revert-failed')),
    previous_version TEXT NOT NULL DEFAULT '',
    new_version      TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    log_lines        TEXT NOT NULL DEFAULT '[]',
    started_at       INTEGER,
    finished_at      INTEGER,
    PRIMARY KEY (rollout_id, agent_id)
  );
  `,
  // 8: alerts: rules (the built-in ones seeded by the alert engine), their alerts with one open
  // row per (rule, machine, service), channels (config sealed), an outbox of notifications with
  // every delivery attempt, and silences.
  `
  CREATE TABLE alert_rules (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    built_in   INTEGER NOT NULL DEFAULT 0,
    enabled    INTEGER NOT NULL DEFAULT 1,
    -- JSON: the rule's own settings (selector, service, metric, threshold, for_seconds, …).
    spec       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    fingerprint   TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    agent_id      TEXT NOT NULL DEFAULT '',
    service       TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    severity      TEXT NOT NULL,
    summary       TEXT NOT NULL,
    value         REAL,
    started_at    INTEGER NOT NULL,
    fired_at      INTEGER,
    resolved_at   INTEGER,
    -- When a firing notification was last queued: null means none yet (pending, or silenced).
    notified_at   INTEGER,
    external      INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX alerts_open ON alerts(fingerprint) WHERE state != 'resolved';
  CREATE INDEX alerts_by_state ON alerts(state, id);
  CREATE INDEX alerts_by_resolved ON alerts(resolved_at);
  CREATE TABLE alert_channels (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('webhook', 'slack', 'ntfy', 'email')),
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- Sealed JSON (lib/server/secrets/secret-box.ts): URLs of Slack and ntfy are secrets too.
    config     TEXT NOT NULL,
    summary    TEXT NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE alert_notifications (
    id              INTEGER PRIMARY KEY,
    alert_id        INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    channel_id      INTEGER NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('firing', 'resolved', 'test')),
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER,
    given_up_at     INTEGER,
    last_error      TEXT
  );
  CREATE INDEX alert_notifications_due ON alert_notifications(next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
  CREATE INDEX alert_notifications_by_alert ON alert_notifications(alert_id);
  CREATE TABLE alert_delivery_attempts (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES alert_notifications(id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    duration_ms     INTEGER NOT NULL
  );
  CREATE INDEX alert_delivery_attempts_by_notification ON alert_delivery_attempts(notification_id);
  CREATE TABLE alert_silences (
    id         INTEGER PRIMARY KEY,
    selector   TEXT NOT NULL DEFAULT '',
    service    TEXT NOT NULL DEFAULT '',
    rule_id    TEXT NOT NULL DEFAULT '',
    ends_at    INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER
  );
  CREATE INDEX alert_silences_by_end ON alert_silences(ends_at);
  `,
];
