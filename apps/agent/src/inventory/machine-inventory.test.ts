import { describe, expect, it } from "vitest";
import { parseMounts, parseOsRelease, readDisks, readInventory } from "./machine-inventory";

describe("machine inventory", () => {
  it("parses os-release, preferring PRETTY_NAME", () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe(
      "Debian GNU/Linux 12 (bookworm)",
    );
    expect(parseOsRelease("NAME=Alpine\n")).toBe("Alpine");
  });

  it("keeps data filesystems from /proc/mounts and unescapes mount points", () => {
    const text = [
      "proc /proc proc rw 0 0",
      "/dev/sda1 / ext4 rw,relatime 0 0",
      "/dev/sdb1 /mnt/my\\040disk xfs rw 0 0",
      "tmpfs /run tmpfs rw 0 0",
    ].join("\n");
    expect(parseMounts(text)).toEqual([
      { device: "/dev/sda1", mountPoint: "/", fsType: "ext4" },
      { device: "/dev/sdb1", mountPoint: "/mnt/my disk", fsType: "xfs" },
    ]);
  });

  it("reads this machine", () => {
    const inv = readInventory();
    expect(inv.cpuCount).toBeGreaterThan(0);
    expect(inv.memoryTotalBytes).toBeGreaterThan(0n);
    expect(inv.os).toBe("linux");
    for (const d of readDisks()) expect(d.totalBytes).toBeGreaterThanOrEqual(d.freeBytes);
  });
});
