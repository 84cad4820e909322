// One reading of the machine's devices: filesystems (statfs of each data mount), block-device
// and network counters, pressure stall information. Part of a HostReading; rates come from two.
import { readlinkSync, statfsSync } from "node:fs";
import { parseMounts } from "../inventory/machine-inventory";
import { parseDiskstats, parseNetDev, parsePressure, type DiskCounters, type NetCounters, type PressureFile } from "./device-parsers";
import { readProcText } from "./proc-reader";

export interface FilesystemReading {
  mountPoint: string;
  device: string;
  fsType: string;
  sizeBytes: number;
  availBytes: number;
  /** Used as `df` counts it: size - free (root's reserve included). */
  usedBytes: number;
  files: number;
  filesFree: number;
}

export interface NetReading extends NetCounters {
  loopback: boolean;
  /** Not backed by hardware (bridges, veth, tunnels): /sys/class/net/NAME is under devices/virtual. */
  virtual: boolean;
}

export interface DeviceReading {
  filesystems: FilesystemReading[];
  disks: DiskCounters[];
  networks: NetReading[];
  /** Absent where the kernel has no PSI (before 4.20, or psi=0). */
  pressure?: { cpu?: PressureFile; memory?: PressureFile; io?: PressureFile };
}

/** Whole disks only, as node_exporter's default: no partitions, RAM disks, zram or loop devices. */
const NOT_A_DISK = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]+|nvme\d+n\d+p|mmcblk\d+p)\d+$/;
/** Mounts change rarely; /proc/mounts is re-read this often, statfs runs every sample. */
const MOUNTS_EVERY_MS = 30_000;
const MAX_FILESYSTEMS = 32;

export class DeviceReader {
  private mounts: ReturnType<typeof parseMounts> = [];
  private mountsReadAt = -Infinity;
  private readonly virtualByName = new Map<string, boolean>();

  constructor(
    private readonly procRoot = "/proc",
    private readonly sysRoot = "/sys",
  ) {}

  read(nowMs: number): DeviceReading {
    const pressure = {
      cpu: this.pressureOf("cpu"),
      memory: this.pressureOf("memory"),
      io: this.pressureOf("io"),
    };
    return {
      filesystems: this.filesystems(nowMs),
      disks: parseDiskstats(readProcText(`${this.procRoot}/diskstats`, true) ?? "").filter((d) => !NOT_A_DISK.test(d.device)),
      networks: parseNetDev(readProcText(`${this.procRoot}/net/dev`, true) ?? "").map((n) => ({ ...n, loopback: n.device === "lo", virtual: this.isVirtual(n.device) })),
      ...(pressure.cpu || pressure.memory || pressure.io ? { pressure } : {}),
    };
  }

  private filesystems(nowMs: number): FilesystemReading[] {
    if (nowMs - this.mountsReadAt >= MOUNTS_EVERY_MS) {
      this.mountsReadAt = nowMs;
      this.mounts = parseMounts(readProcText(`${this.procRoot}/mounts`) ?? "").slice(0, MAX_FILESYSTEMS);
    }
    const out: FilesystemReading[] = [];
    for (const m of this.mounts) {
      try {
        const s = statfsSync(m.mountPoint);
        out.push({
          ...m,
          sizeBytes: s.blocks * s.bsize,
          availBytes: s.bavail * s.bsize,
          usedBytes: (s.blocks - s.bfree) * s.bsize,
          files: s.files,
          filesFree: s.ffree,
        });
      } catch {
        // Unmounted since /proc/mounts was read: gone from this sample, and from the next list.
        this.mountsReadAt = -Infinity;
      }
    }
    return out;
  }

  private isVirtual(device: string): boolean {
    let v = this.virtualByName.get(device);
    if (v === undefined) {
      try {
        v = readlinkSync(`${this.sysRoot}/class/net/${device}`).includes("/devices/virtual/");
      } catch {
        v = false;
      }
      // Interfaces come and go (veth per container): keep the map from growing without end.
      if (this.virtualByName.size > 1024) this.virtualByName.clear();
      this.virtualByName.set(device, v);
    }
    return v;
  }

  private pressureOf(kind: "cpu" | "memory" | "io"): PressureFile | undefined {
    try {
      const text = readProcText(`${this.procRoot}/pressure/${kind}`, true);
      return text === undefined ? undefined : parsePressure(text);
    } catch {
      return undefined; // psi=0 on the kernel command line: the files exist but refuse reads
    }
  }
}
