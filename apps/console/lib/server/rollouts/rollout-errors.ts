// What the rollout domain refuses, and why; the HTTP layer (rollout-routes.ts) picks the status.

/** Bad input: a selector, a strategy field, a package. */
export class RolloutInputError extends Error {}

export class RolloutNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no rollout with id ${id}`);
  }
}

/** Another rollout of the same service and selector is still running. */
export class RolloutConflictError extends Error {
  constructor(readonly runningId: number, service: string, selector: string) {
    super(`rollout ${runningId} of ${service} to ${JSON.stringify(selector)} is still running; wait for it, or cancel it`);
  }
}

/** The rollout is not in a state that allows this (approve a running one, revert a running one…). */
export class RolloutStateError extends Error {}

/** No package stored under this sha256. */
export class PackageNotStoredError extends Error {
  constructor(readonly sha256: string) {
    super(`no package with sha256 ${sha256} is stored; upload it with the rollout`);
  }
}
