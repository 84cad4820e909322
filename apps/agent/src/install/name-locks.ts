import { DomainError } from "../domain-error";

export type LockedOperation = "install" | "remove" | "start" | "stop" | "restart" | "rollback";

/**
 * One change per package name at a time. A second caller does not queue behind the
 * first: it fails at once with Aborted, so a person sees "already in progress"
 * instead of a request that hangs for a whole health window.
 */
export class NameLocks {
  private readonly held = new Map<string, LockedOperation>();

  /** Takes the lock or throws Aborted; call the returned function exactly once to release. */
  acquire(name: string, op: LockedOperation): () => void {
    const holder = this.held.get(name);
    if (holder !== undefined) {
      throw new DomainError(`${holder} of ${name} already in progress`, "aborted");
    }
    this.held.set(name, op);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(name);
    };
  }

  holder(name: string): LockedOperation | undefined {
    return this.held.get(name);
  }

  get size(): number {
    return this.held.size;
  }
}
