import { describe, expect, it } from "vitest";
import {
  parseSecureBootVar,
  probePlatformIntegrity,
  SECURE_BOOT_VAR,
} from "../../../../src/collectors/device/linux/platform-integrity.js";
import { fakeHost } from "./helpers.js";

const efivar = (value: number) => String.fromCharCode(0x06, 0x00, 0x00, 0x00, value);

describe("Secure Boot", () => {
  it("parses the SecureBoot efivar: attributes then the value byte", () => {
    expect(parseSecureBootVar(efivar(1))).toBe(true);
    expect(parseSecureBootVar(efivar(0))).toBe(false);
    expect(parseSecureBootVar("\x06\x00")).toBeUndefined();
  });

  it("no UEFI (this VM): Secure Boot is false, not unknown", async () => {
    const r = await probePlatformIntegrity(fakeHost({}));
    expect(r.attributes.platformIntegrity).toEqual({ secureBoot: false });
    expect(r.sources.platformIntegrity).toContain("not booted with UEFI");
  });

  it("UEFI with Secure Boot enforcing", async () => {
    const r = await probePlatformIntegrity(
      fakeHost({
        files: { "/sys/firmware/efi": "", "/sys/firmware/efi/efivars": "", [SECURE_BOOT_VAR]: efivar(1) },
      }),
    );
    expect(r.attributes.platformIntegrity).toEqual({ secureBoot: true });
  });

  it("UEFI without efivarfs mounted is unreadable", async () => {
    const r = await probePlatformIntegrity(fakeHost({ files: { "/sys/firmware/efi": "" } }));
    expect(r.unreadable["platformIntegrity.secureBoot"]).toContain("not mounted");
  });
});
