// The machine image: a Debian bookworm root filesystem with systemd, built once with debootstrap and
// cached under LAB_DIR/images, keyed by everything that shapes it (suite, package list, setup
// steps). A changed list builds a new image; images of other keys are removed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check } from "./command";
import { withLock } from "./lock";
import { IMAGES_DIR, LAB_USER } from "./settings";

const SUITE = "bookworm";
// bubblewrap: the supervisor runtime sandboxes with it on machines without systemd, and the lab runs that
// runtime too (its escape tests run as a user and as root on a real Debian machine).
const PACKAGES = ["systemd", "systemd-sysv", "dbus", "dbus-user-session", "libpam-systemd", "procps", "iproute2", "bubblewrap"];

/** Run in the image with chroot after debootstrap. */
const SETUP = [
  // The test user, lingering: its user manager starts at boot, as on a server set up for the agent.
  `useradd --create-home --uid ${LAB_USER.uid} --shell /bin/bash ${LAB_USER.name}`,
  `mkdir -p /var/lib/systemd/linger && touch /var/lib/systemd/linger/${LAB_USER.name}`,
  // The login prompt on the console is of no use to a test and costs a process per machine.
  "systemctl mask console-getty.service getty@.service",
  "apt-get clean",
  "rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /usr/share/doc/* /usr/share/man/*",
];

export const IMAGE_KEY = createHash("sha256").update(JSON.stringify({ SUITE, PACKAGES, SETUP, format: 1 })).digest("hex").slice(0, 12);

export interface Image {
  rootfs: string;
  /** Whether this call built it (false: it was cached). */
  built: boolean;
  seconds: number;
}

/** The cached image, built first if missing. Safe to call from several processes at once. */
export async function ensureImage(log: (line: string) => void = () => {}): Promise<Image> {
  const started = Date.now();
  const rootfs = join(IMAGES_DIR, `bookworm-${IMAGE_KEY}`);
  if (existsSync(join(rootfs, ".complete"))) return { rootfs, built: false, seconds: 0 };
  mkdirSync(IMAGES_DIR, { recursive: true });
  return withLock(join(IMAGES_DIR, ".lock"), async () => {
    if (existsSync(join(rootfs, ".complete"))) return { rootfs, built: false, seconds: (Date.now() - started) / 1000 };
    for (const old of readdirSync(IMAGES_DIR)) {
      if (old !== ".lock") rmSync(join(IMAGES_DIR, old), { recursive: true, force: true });
    }
    const building = `${rootfs}.building`;
    log(`lab: building the ${SUITE} image ${IMAGE_KEY} with debootstrap (about a minute)…`);
    await check(["debootstrap", "--variant=minbase", `--include=${PACKAGES.join(",")}`, SUITE, building], { timeoutMs: 15 * 60_000 });
    for (const step of SETUP) await check(["chroot", building, "/bin/sh", "-ec", step], { timeoutMs: 60_000 });
    writeFileSync(join(building, ".complete"), `${IMAGE_KEY}\n`);
    renameSync(building, rootfs);
    const seconds = (Date.now() - started) / 1000;
    log(`lab: image ${IMAGE_KEY} built in ${seconds.toFixed(0)} s`);
    return { rootfs, built: true, seconds };
  });
}
