// Each machine's network: its own network namespace (made here, handed to systemd-nspawn), a veth
// pair whose host end joins the lab bridge, and one address of the lab's /24. Nothing is routed
// beyond the bridge: machines reach the host (HOST_ADDRESS) and each other, nothing else.
import { existsSync } from "node:fs";
import { check, run } from "./command";
import { BRIDGE, HOST_ADDRESS, SUBNET_PREFIX } from "./settings";

export interface MachineNetwork {
  netns: string;
  /** The host end of the veth pair; set down to cut the machine off. */
  veth: string;
  address: string;
}

export async function ensureBridge(): Promise<void> {
  if (!existsSync(`/sys/class/net/${BRIDGE}`)) {
    await run(["ip", "link", "add", BRIDGE, "type", "bridge"]); // may race another process: checked below
  }
  const addrs = await check(["ip", "-4", "-o", "addr", "show", "dev", BRIDGE]);
  if (!addrs.includes(` ${HOST_ADDRESS}/`)) await check(["ip", "addr", "add", `${HOST_ADDRESS}/24`, "dev", BRIDGE]);
  await check(["ip", "link", "set", BRIDGE, "up"]);
}

export async function createNetwork(name: string, index: number): Promise<MachineNetwork> {
  await ensureBridge();
  const net: MachineNetwork = { netns: name, veth: name, address: `${SUBNET_PREFIX}.${index}` };
  await check(["ip", "netns", "add", net.netns]);
  await check(["ip", "link", "add", net.veth, "type", "veth", "peer", "name", "host0", "netns", net.netns]);
  await check(["ip", "link", "set", net.veth, "master", BRIDGE, "up"]);
  await check(["ip", "-n", net.netns, "addr", "add", `${net.address}/24`, "dev", "host0"]);
  await check(["ip", "-n", net.netns, "link", "set", "host0", "up"]);
  await check(["ip", "-n", net.netns, "link", "set", "lo", "up"]);
  await check(["ip", "-n", net.netns, "route", "add", "default", "via", HOST_ADDRESS]);
  return net;
}

/** Cuts (down) or restores (up) the machine's only link, as a pulled cable would. */
export async function setLink(net: MachineNetwork, up: boolean): Promise<void> {
  await check(["ip", "link", "set", net.veth, up ? "up" : "down"]);
}

/** Removes the namespace (and with it the veth pair); quiet when already gone. */
export async function removeNetwork(net: Pick<MachineNetwork, "netns" | "veth">): Promise<void> {
  await run(["ip", "netns", "del", net.netns]);
  await run(["ip", "link", "del", net.veth]);
}
