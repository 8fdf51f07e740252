import { z } from "zod";
import type { DeviceFacts } from "../../../core/facts/device.js";
import { describeFailure } from "../exec.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type DiskEncryption = NonNullable<DeviceFacts["diskEncryption"]>;

// lsblk -J: booleans and sizes differ across util-linux versions, so only the fields we read are checked.
interface BlockNode {
  name: string;
  type: string;
  fstype?: string | null;
  mountpoint?: string | null;
  mountpoints?: (string | null)[];
  children?: BlockNode[];
}
const BlockNodeSchema: z.ZodType<BlockNode> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.string(),
    fstype: z.string().nullish(),
    mountpoint: z.string().nullish(),
    mountpoints: z.array(z.string().nullable()).optional(),
    children: z.array(BlockNodeSchema).optional(),
  }),
);
const LsblkSchema = z.object({ blockdevices: z.array(BlockNodeSchema) });

export interface Mount {
  device: string;
  mount: string;
  fstype: string;
}

/** /proc/mounts lines: device, mount point (octal escapes for spaces), type, options. */
export function parseProcMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [device, mount, fstype] = line.trim().split(/\s+/);
    if (!device || !mount || !fstype) continue;
    mounts.push({
      device,
      mount: mount.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
      fstype,
    });
  }
  return mounts;
}

/** `dmsetup table --target crypt`: mapping name -> cipher. "No devices found" is an empty map. */
export function parseDmsetupCrypt(text: string): Map<string, string> {
  const ciphers = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\S+):\s+\d+\s+\d+\s+crypt\s+(\S+)/.exec(line.trim());
    if (m?.[1] && m[2]) ciphers.set(m[1], m[2]);
  }
  return ciphers;
}

interface Located {
  node: BlockNode;
  /** Parents from the disk down, then the node itself. */
  chain: BlockNode[];
}

function walk(nodes: BlockNode[], parents: BlockNode[], out: Located[]): void {
  for (const node of nodes) {
    const chain = [...parents, node];
    out.push({ node, chain });
    if (node.children) walk(node.children, chain, out);
  }
}

function mountsOf(node: BlockNode): string[] {
  return [...(node.mountpoints ?? []), node.mountpoint].filter((m): m is string => !!m);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A block device in lsblk output by the path /proc/mounts uses (`/dev/mapper/vg-root`, `/dev/nvme0n1p2`). */
function findByDevice(all: Located[], device: string): Located | undefined {
  return (
    all.find((l) => l.node.name === device) ??
    all.find((l) => baseName(l.node.name) === baseName(device)) ??
    // /dev/mapper/x and /dev/dm-N name the same mapping; lsblk -p prints /dev/mapper/x.
    all.find((l) => l.node.name === `/dev/mapper/${baseName(device)}`)
  );
}

function encryptionOf(
  located: Located,
  ciphers: Map<string, string>,
): { encrypted: boolean; method?: string } {
  const crypt = [...located.chain].reverse().find((n) => n.type === "crypt");
  if (!crypt) return { encrypted: false };
  const index = located.chain.indexOf(crypt);
  const container = located.chain[index - 1];
  const kind = container?.fstype === "crypto_LUKS" ? "luks" : "dm-crypt";
  const cipher = ciphers.get(baseName(crypt.name));
  return { encrypted: true, method: cipher ? `${kind} ${cipher}` : kind };
}

const IGNORED_MOUNTS = /^\/(proc|sys|dev|run|snap)(\/|$)/;

/**
 * Pure: `lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT` + /proc/mounts (+ dmsetup crypt table) -> encryption facts.
 * A volume is encrypted when a dm-crypt mapping sits between it and the disk (LVM on LUKS, LUKS on LVM, plain
 * dm-crypt). A root file system that is not a block device lsblk knows (overlay in a container, ZFS, NFS)
 * cannot be judged here: that is returned as a reason, not as "unencrypted".
 */
export function parseEncryption(
  lsblkJson: string,
  procMounts: string,
  dmsetupCrypt = "",
): { value: DiskEncryption } | { unreadable: string } {
  let tree: z.infer<typeof LsblkSchema>;
  try {
    tree = LsblkSchema.parse(JSON.parse(lsblkJson));
  } catch (error) {
    return { unreadable: `lsblk -J output not understood: ${(error as Error).message.split("\n")[0]}` };
  }
  const all: Located[] = [];
  walk(tree.blockdevices, [], all);
  const ciphers = parseDmsetupCrypt(dmsetupCrypt);
  const mounts = parseProcMounts(procMounts);

  const volumes: DiskEncryption["volumes"] = [];
  const seen = new Set<string>();
  for (const m of mounts) {
    if (!m.device.startsWith("/dev/") || IGNORED_MOUNTS.test(m.mount) || seen.has(m.mount)) continue;
    const located = findByDevice(all, m.device) ?? all.find((l) => mountsOf(l.node).includes(m.mount));
    if (!located) continue;
    seen.add(m.mount);
    const enc = encryptionOf(located, ciphers);
    volumes.push({
      mount: m.mount,
      device: located.node.name,
      encrypted: enc.encrypted,
      ...(enc.method ? { method: enc.method } : {}),
    });
  }
  // Mounted devices lsblk reports that /proc/mounts did not list as /dev/* (e.g. /dev/root aliases).
  for (const l of all) {
    for (const mount of mountsOf(l.node)) {
      if (seen.has(mount) || IGNORED_MOUNTS.test(mount) || mount === "[SWAP]") continue;
      seen.add(mount);
      const enc = encryptionOf(l, ciphers);
      volumes.push({
        mount,
        device: l.node.name,
        encrypted: enc.encrypted,
        ...(enc.method ? { method: enc.method } : {}),
      });
    }
  }

  const root = volumes.find((v) => v.mount === "/");
  if (!root) {
    const rootMount = mounts.filter((m) => m.mount === "/").at(-1);
    return {
      unreadable: rootMount
        ? `root file system is ${rootMount.fstype} on ${rootMount.device}, not a block device lsblk reports (container or network root): its encryption is decided by the host`
        : "root file system not found in /proc/mounts",
    };
  }
  const method: DiskEncryption["method"] = root.encrypted
    ? root.method?.startsWith("luks")
      ? "luks"
      : "dm-crypt"
    : "none";
  return { value: { systemVolumeEncrypted: root.encrypted, method, volumes } };
}

export async function probeEncryption(host: Host): Promise<ProbeResult> {
  const [lsblk, mounts, dmsetup] = await Promise.all([
    host.exec("lsblk", ["-J", "-p", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINT"]),
    host.read("/proc/mounts"),
    host.exec("dmsetup", ["table", "--target", "crypt"]),
  ]);
  if (!lsblk.ok) return deviceRecord().fail("diskEncryption", describeFailure(lsblk));
  if (!mounts.ok) return deviceRecord().fail("diskEncryption", mounts.reason);
  const parsed = parseEncryption(lsblk.stdout, mounts.text, dmsetup.ok ? dmsetup.stdout : "");
  const source = `cmd: ${lsblk.command}; file: /proc/mounts${dmsetup.ok ? `; cmd: ${dmsetup.command}` : ""}`;
  if ("unreadable" in parsed) return deviceRecord().fail("diskEncryption", parsed.unreadable, source);
  return deviceRecord().set("diskEncryption", parsed.value, source);
}
