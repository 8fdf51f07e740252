import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

const EFI = "/sys/firmware/efi";
/** The UEFI global variable SecureBoot: 4 attribute bytes, then 1 when Secure Boot is enforcing. */
export const SECURE_BOOT_VAR = `${EFI}/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c`;

/** Pure: the first bytes of the SecureBoot efivar (latin1) -> enforcing or not; undefined when too short. */
export function parseSecureBootVar(head: string): boolean | undefined {
  if (head.length < 5) return undefined;
  return head.charCodeAt(4) === 1;
}

/**
 * Secure Boot on Linux. A machine booted without UEFI (legacy BIOS, many VMs, this project's CI VM) cannot have
 * Secure Boot: that is `false`, not unknown.
 */
export async function probePlatformIntegrity(host: Host): Promise<ProbeResult> {
  if (!(await host.exists(EFI))) {
    return deviceRecord().set(
      "platformIntegrity",
      { secureBoot: false },
      `file: ${EFI} (absent: not booted with UEFI)`,
    );
  }
  const head = await host.readHead(SECURE_BOOT_VAR, 8);
  const enforcing = head === undefined ? undefined : parseSecureBootVar(head);
  if (enforcing === undefined) {
    // UEFI without the variable: firmware without Secure Boot support, or efivarfs not mounted.
    const mounted = await host.exists(`${EFI}/efivars`);
    if (!mounted) return deviceRecord().fail("platformIntegrity.secureBoot", `${EFI}/efivars is not mounted`);
    return deviceRecord().set(
      "platformIntegrity",
      { secureBoot: false },
      `file: ${SECURE_BOOT_VAR} (absent: firmware without Secure Boot)`,
    );
  }
  return deviceRecord().set("platformIntegrity", { secureBoot: enforcing }, `file: ${SECURE_BOOT_VAR}`);
}
