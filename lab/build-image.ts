// Builds (or finds cached) the lab's machine image and removes what a killed run left behind.
import { ensureImage } from "./src/image";
import { cleanupStaleMachines } from "./src/machine";

const removed = await cleanupStaleMachines();
if (removed) console.log(`lab: removed ${removed} machine(s) a previous run left`);
const image = await ensureImage((l) => console.log(l));
console.log(image.built ? `lab: image ready (${image.rootfs}, built in ${image.seconds.toFixed(0)} s)` : `lab: image cached (${image.rootfs})`);
