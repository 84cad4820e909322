// What AgentInfo reports about the machine. Read once at start (it does not change while we run),
// except disks' free space, which is cheap to re-read per call.
import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";

export interface DiskInfo {
  mountPoint: string;
  device: string;
  fsType: string;
  totalBytes: bigint;
  freeBytes: bigint;
}

export interface MachineInventory {
  hostname: string;
  os: string;
  osRelease: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  memoryTotalBytes: bigint;
}

export function parseOsRelease(text: string): string {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return fields.get("PRETTY_NAME") ?? fields.get("NAME") ?? "";
}

export function readInventory(): MachineInventory {
  let osRelease = "";
  try {
    osRelease = parseOsRelease(readFileSync("/etc/os-release", "utf8"));
  } catch {
    /* not every system has it */
  }
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: os.platform(),
    osRelease,
    kernel: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? "",
    cpuCount: cpus.length,
    memoryTotalBytes: BigInt(os.totalmem()),
  };
}

// Filesystems that hold data; everything else in /proc/mounts is kernel plumbing.
const DATA_FS = new Set(["ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat", "exfat", "ntfs", "ntfs3", "overlay", "nfs", "nfs4", "fuseblk"]);

export function parseMounts(text: string): Array<{ device: string; mountPoint: string; fsType: string }> {
  const seen = new Set<string>();
  const out: Array<{ device: string; mountPoint: string; fsType: string }> = [];
  for (const line of text.split("\n")) {
    const [device, mountPoint, fsType] = line.split(" ");
    if (!device || !mountPoint || !fsType || !DATA_FS.has(fsType)) continue;
    // /proc/mounts escapes spaces and the like as octal.
    const mp = mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (seen.has(device + " " + mp)) continue;
    seen.add(device + " " + mp);
    out.push({ device, mountPoint: mp, fsType });
  }
  return out;
}

export function readDisks(limit = 32): DiskInfo[] {
  let mounts: ReturnType<typeof parseMounts> = [];
  try {
    mounts = parseMounts(readFileSync("/proc/mounts", "utf8"));
  } catch {
    return [];
  }
  const out: DiskInfo[] = [];
  for (const m of mounts.slice(0, limit)) {
    try {
      const s = statfsSync(m.mountPoint, { bigint: true });
      out.push({ ...m, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize });
    } catch {
      /* unmounted between the read and the statfs */
    }
  }
  return out;
}
