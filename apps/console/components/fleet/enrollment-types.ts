// The shapes of /api/enrollments answers, as the fleet page's enrollment components use them.

/** POST /api/enrollments → 201: the token is in `command`, `enrollCommand` and `token`, and nowhere else, ever. */
export interface CreatedEnrollment {
  enrollment: { id: number; agentId: string; name: string; expiresAt: string };
  token: string;
  /** The one command for the new machine: installs the agent this console serves and enrols it (`enrollCommand` when it serves none). */
  command: string;
  /** `sysward-agent enroll …` for a machine whose agent runs already (a checkout). */
  enrollCommand: string;
  /** What `command` installs; null: this console serves no agent artifact. */
  agentArtifact: { version: string; sha256: string } | null;
  caSha256: string;
}

/** One unused enrollment (GET /api/enrollments, or the fleet page's server render). */
export interface PendingEnrollment {
  id: number;
  agentId: string;
  name: string;
  /** ISO 8601. */
  expiresAt: string;
  expired: boolean;
}
