// Where the lab keeps its files and which addresses it gives its machines. Everything the lab
// makes on the host is named from here, so cleanup finds all of it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Cached images and per-machine overlays (survives a run; `SYSWARD_LAB_DIR` moves it). */
export const LAB_DIR = process.env.SYSWARD_LAB_DIR ?? "/var/tmp/sysward-lab";
export const IMAGES_DIR = join(LAB_DIR, "images");
export const MACHINES_DIR = join(LAB_DIR, "machines");

/** The checkout, bind-mounted read-only at the same path in every machine. */
export const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** The host's bridge and its address; machines get .2 … .254 of the same /24. */
export const BRIDGE = "swlab0";
export const SUBNET_PREFIX = "10.231.0";
export const HOST_ADDRESS = `${SUBNET_PREFIX}.1`;

/** Every lab-made netns, veth and machine name starts with this (interface names ≤ 15 bytes). */
export const NAME_PREFIX = "swl";

/** The unprivileged user in every machine: lingering, so its user manager runs from boot. */
export const LAB_USER = { name: "sw", uid: 1000 };
