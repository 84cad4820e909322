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
];
