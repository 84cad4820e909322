// A root agent runs every service under a uid of its own, so services cannot read or signal each
// other or the agent. The agent hands them out from a range no login user or container mapping
// takes by default (SYSWARD_SERVICE_UID_BASE, 65,536 of them; the gid is the uid), records each in
// packages/NAME/user.json, and keeps it across versions so the state dir stays the service's.
// A uid needs no passwd entry: processes and files carry numbers.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { DomainError } from "../domain-error";
import type { ServiceUser } from "../runtime/isolation";
import { writeFileAtomic } from "./atomic-file";

const USER_FILE = "user.json";
/** Above /etc/subuid's ranges (100000 + 65536 per login user) and systemd's container range (524288–1879048191). */
export const DEFAULT_SERVICE_UID_BASE = 2_000_000_000;
const RANGE = 65_536;

const UserSchema = z.object({ uid: z.number().int().positive(), gid: z.number().int().positive() });

export class ServiceUsers {
  private readonly byName = new Map<string, ServiceUser>();

  constructor(
    private readonly packagesDir: string,
    private readonly base = DEFAULT_SERVICE_UID_BASE,
  ) {}

  /** Reads the uid a package has, if any (init(), for every package found). */
  async load(name: string): Promise<void> {
    try {
      const user = UserSchema.parse(JSON.parse(await readFile(join(this.packagesDir, name, USER_FILE), "utf8")));
      this.byName.set(name, user);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  get(name: string): ServiceUser | undefined {
    return this.byName.get(name);
  }

  /** The package's uid; the first call gives it the lowest free one and records it in its dir. */
  async assign(name: string): Promise<ServiceUser> {
    const known = this.byName.get(name);
    if (known) return known;
    const taken = new Set([...this.byName.values()].map((u) => u.uid));
    let uid = this.base;
    while (taken.has(uid)) uid++;
    if (uid >= this.base + RANGE) throw new DomainError(`no service uid left in ${this.base}–${this.base + RANGE - 1}: remove a package first`, "resource-exhausted");
    const user = { uid, gid: uid };
    // Taken before the write, so a concurrent install of another name cannot get the same one.
    this.byName.set(name, user);
    try {
      await mkdir(join(this.packagesDir, name), { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(this.packagesDir, name, USER_FILE), JSON.stringify(user) + "\n");
    } catch (err) {
      this.byName.delete(name);
      throw err;
    }
    return user;
  }

  /** The package dir is gone: its uid is free again. */
  release(name: string): void {
    this.byName.delete(name);
  }
}
