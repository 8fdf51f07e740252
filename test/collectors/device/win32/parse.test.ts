import { describe, expect, it } from "vitest";
import { type OneDriveUser, oneDriveFolderBackup } from "../../../../src/collectors/device/win32/backup.js";
import { collectWin32Device } from "../../../../src/collectors/device/win32/index.js";
import {
  decideAutomaticUpdates,
  decodeProductState,
  parseWindowsPosture,
} from "../../../../src/collectors/device/win32/parse.js";
import {
  BACKUP_AGENT_SERVICES,
  POSTURE_SCRIPT,
  powershellArgs,
  SECEDIT_LINE_PATTERN,
  USER_HIVE_PATTERN,
} from "../../../../src/collectors/device/win32/posture-script.js";
import { DeviceFactsSchema } from "../../../../src/core/facts/device.js";
import { ResourceSchema } from "../../../../src/core/resource.js";
import { fixture, recordedHost } from "../recorded-host.js";

const now = new Date("2024-08-14T10:12:51Z");
const parse = (name: string) => {
  const posture = parseWindowsPosture(fixture("win32", name), now);
  if (!posture) throw new Error(`${name} did not parse`);
  expect(DeviceFactsSchema.safeParse(posture.result.attributes).success).toBe(true);
  return posture;
};

describe("Windows posture parser (recorded PowerShell output)", () => {
  it("a managed Windows 11 laptop", () => {
    const { identity, result } = parse("win11-laptop.json");
    const a = result.attributes;
    expect(identity?.hardwareUuid).toBe("4c4c4544-0042-3910-8051-b7c04f563533");
    expect(a.os).toEqual({
      platform: "win32",
      distro: "Microsoft Windows 11 Enterprise",
      release: "23H2",
      kernel: "10.0.22631",
      arch: "x64",
    });
    expect(a.desktopSession).toBe(true);
    expect(a.diskEncryption).toEqual({
      systemVolumeEncrypted: true,
      method: "bitlocker",
      volumes: [
        { mount: "C:", device: "C:", encrypted: true, method: "bitlocker-XtsAes128" },
        { mount: "D:", device: "D:", encrypted: false },
      ],
    });
    expect(a.malware).toEqual({
      installed: true,
      running: true,
      product: "Microsoft Defender Antivirus",
      signatureAgeHours: 6,
      realTimeProtection: true,
    });
    expect(a.updates).toEqual({
      manager: "windows-update",
      pending: 2,
      pendingSecurity: 1,
      securityUpdates: [
        "2024-08 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5041585)",
      ],
      automatic: true,
      automaticMechanism: "MDM Update/AllowAutoUpdate=2",
      rebootRequired: false,
      lastRefreshedAt: "2024-08-14T06:02:17.000Z",
    });
    // Domain and Private are NotConfigured, Public is Block: no profile allows, but not all set Block, so the
    // policy is left absent for DEV-FW-002 to apply Windows' documented default.
    expect(a.firewall).toEqual({
      enabled: true,
      backend: "windows",
      ruleCount: 512,
      profiles: { Domain: true, Private: true, Public: true },
    });
    // The machine inactivity limit applies whatever the user chose.
    expect(a.screenLock).toEqual({ enabled: true, idleSeconds: 900, requirePassword: true });
    expect(a.removableMedia).toEqual({ usbStorageBlocked: true, mechanism: "USBSTOR Start=4" });
    expect(a.accounts).toEqual({
      extraUidZeroUsers: [],
      emptyPasswordUsers: [],
      localAdmins: ["LT-0427\\Administrator", "CONTOSO\\Domain Admins", "AzureAD\\it-helpdesk"],
    });
    expect(a.platformIntegrity).toEqual({ secureBoot: true });
    expect(a.timeSync).toEqual({ active: true, service: "w32time" });
    expect(a.ssh).toEqual({ serverInstalled: false });
    expect(a.password).toEqual({
      maxAgeDays: 99999,
      minAgeDays: 1,
      minLength: 14,
      minClasses: 3,
      qualityModule: "windows-password-complexity",
    });
  });

  it("a server with gaps: missing BitLocker cmdlet, manual updates, public profile off, nobody logged on", () => {
    const { result } = parse("server2019-gaps.json");
    const a = result.attributes;
    expect(a.diskEncryption).toBeUndefined();
    expect(result.unreadable.diskEncryption).toMatch(/Get-BitLockerVolume.*not recognized/);
    expect(a.malware).toMatchObject({ running: true, realTimeProtection: false, signatureAgeHours: 312.2 });
    expect(a.updates).toMatchObject({
      pending: 3,
      pendingSecurity: 2,
      automatic: false,
      automaticMechanism: "policy AUOptions=3",
      rebootRequired: true,
    });
    expect(a.firewall).toMatchObject({
      enabled: false,
      defaultInboundPolicy: "allow",
      profiles: { Domain: true, Private: true, Public: false },
    });
    expect(a.screenLock).toBeUndefined();
    expect(result.unreadable.screenLock).toMatch(/no user is logged on/);
    expect(a.removableMedia).toEqual({ usbStorageBlocked: false });
    expect(a.accounts?.emptyPasswordUsers).toEqual(["backup-svc"]);
    expect(a.platformIntegrity).toEqual({ secureBoot: false });
    expect(a.timeSync).toEqual({ active: false, service: "w32time" });
    expect(a.ssh).toEqual({ serverInstalled: true, serverRunning: true });
    // sshd_config is not read: its settings are named unread, never left for OpenSSH's defaults to fill.
    expect(result.unreadable["ssh.permitRootLogin"]).toMatch(/not collected on Windows/);
    expect(a.password).toEqual({
      maxAgeDays: 42,
      minAgeDays: 0,
      minLength: 0,
      minClasses: 1,
      qualityModule: "none",
    });
  });

  it("a desktop with a third-party antivirus, suspended BitLocker and per-user screen savers", () => {
    const { result } = parse("win10-thirdparty-av.json");
    const a = result.attributes;
    // Encrypted but protection suspended: the key sits in clear on the disk.
    expect(a.diskEncryption).toMatchObject({ systemVolumeEncrypted: false, method: "none" });
    expect(a.malware).toEqual({
      installed: true,
      running: true,
      product: "Sophos Anti-Virus",
      realTimeProtection: true,
    });
    expect(a.updates).toMatchObject({
      pending: 0,
      automatic: false,
      automaticMechanism: "wuauserv service disabled",
    });
    // Policy (300 s, secure) overrides the first user's own insecure choice; the second user is secure at 600 s.
    expect(a.screenLock).toEqual({ enabled: true, idleSeconds: 600, requirePassword: true });
    expect(a.removableMedia).toEqual({
      usbStorageBlocked: true,
      mechanism: "policy RemovableStorageDevices\\Deny_All=1",
    });
    expect(a.accounts).toEqual({ extraUidZeroUsers: [], emptyPasswordUsers: [] });
    expect(result.unreadable["accounts.localAdmins"]).toMatch(/Failed to compare/);
    expect(result.unreadable.password).toMatch(/secedit \/export: .*Access to the path is denied/);
  });

  it("an Entra-joined, Intune-managed German Windows 10 laptop: the Entra user's hive decides the screen lock", () => {
    const { result } = parse("win10-entra-de.json");
    const a = result.attributes;
    // The only logged-on user is an Entra ID account (S-1-12-1-…); its policy hive says 600 s, secure, and forces
    // a screen saver (SCRNSAVE.EXE).
    expect(a.screenLock).toEqual({ enabled: true, idleSeconds: 600, requirePassword: true });
    // Without a screen saver chosen (policy or Control Panel), Windows runs none: active, secure and a timeout
    // do not lock the screen.
    const raw = JSON.parse(fixture("win32", "win10-entra-de.json"));
    delete raw.userScreenSavers.items[0].policy["SCRNSAVE.EXE"];
    expect(parseWindowsPosture(JSON.stringify(raw), now)?.result.attributes.screenLock).toEqual({
      enabled: false,
      requirePassword: true,
    });
    // Entra role SIDs in Administrators break Get-LocalGroupMember; the ADSI fallback lists them by SID.
    expect(a.accounts?.localAdmins).toEqual([
      "Administrator",
      "S-1-12-1-3213518519-1105416536-3089460139-3626916357",
      "S-1-12-1-1496264356-1164404911-2713906570-3221717052",
    ]);
    // W32Time stopped between synchronisations, trigger-started: time is kept.
    expect(a.timeSync).toEqual({ active: true, service: "w32time (trigger-start)" });
    expect(a.firewall).toMatchObject({ enabled: true, defaultInboundPolicy: "deny" });
    expect(a.updates).toMatchObject({ automatic: true, automaticMechanism: "MDM Update/AllowAutoUpdate=3" });
    expect(a.password).toEqual({
      maxAgeDays: 42,
      minAgeDays: 0,
      minLength: 0,
      minClasses: 1,
      qualityModule: "none",
    });
    expect(a.ssh).toEqual({ serverInstalled: false });
  });

  it("a domain server whose firewall is set by Group Policy (effective ActiveStore values)", () => {
    const { result } = parse("server2025-gpo-domain.json");
    const a = result.attributes;
    // Every profile NotConfigured: nothing set, so no defaultInboundPolicy (Windows' default is DEV-FW-002's).
    expect(a.firewall).toEqual({
      enabled: true,
      backend: "windows",
      ruleCount: 512,
      profiles: { Domain: true, Private: true, Public: true },
    });
    expect(a.timeSync).toEqual({ active: true, service: "w32time" });
    expect(a.updates).toMatchObject({ automatic: true, automaticMechanism: "policy AUOptions=4" });
    expect(a.screenLock).toEqual({ enabled: true, idleSeconds: 900, requirePassword: true });
    expect(a.ssh).toEqual({ serverInstalled: true, serverRunning: true });
    // What the local store says under Group Policy (NotConfigured) is never read as on or off.
    const raw = JSON.parse(fixture("win32", "server2025-gpo-domain.json"));
    raw.firewall.items[0].enabled = "NotConfigured";
    const local = parseWindowsPosture(JSON.stringify(raw), now);
    expect(local?.result.attributes.firewall).toBeUndefined();
    expect(local?.result.unreadable.firewall).toBe(
      "Get-NetFirewallProfile -PolicyStore ActiveStore: profile Domain Enabled=NotConfigured",
    );
  });

  it("W32Time: running, trigger-started, task-started, disabled, NoSync, and unknown triggers", () => {
    const raw = JSON.parse(fixture("win32", "win10-entra-de.json"));
    const timeSync = (service: unknown, triggers: unknown) => {
      const posture = parseWindowsPosture(
        JSON.stringify({ ...raw, timeService: service, timeTriggers: triggers }),
        now,
      );
      return posture?.result.attributes.timeSync ?? posture?.result.unreadable.timeSync;
    };
    const stopped = { status: "Stopped", startType: "Manual" };
    expect(timeSync(stopped, { startTriggers: 0, ntpType: "NTP", syncTaskState: "Ready" })).toEqual({
      active: true,
      service: "w32time (SynchronizeTime task)",
    });
    expect(timeSync(stopped, { startTriggers: 0, ntpType: "NTP", syncTaskState: "Disabled" })).toEqual({
      active: false,
      service: "w32time",
    });
    expect(
      timeSync({ status: "Stopped", startType: "Disabled" }, { startTriggers: 1, ntpType: "NTP" }),
    ).toEqual({
      active: false,
      service: "w32time (disabled)",
    });
    expect(
      timeSync({ status: "Running", startType: "Manual" }, { startTriggers: 1, ntpType: "NoSync" }),
    ).toEqual({
      active: false,
      service: "w32time (Parameters\\Type=NoSync)",
    });
    expect(timeSync(stopped, { error: "Zugriff verweigert" })).toBe(
      "W32Time is Stopped; its start triggers could not be read: Zugriff verweigert",
    );
    expect(timeSync({ error: "Access is denied" }, { startTriggers: 1 })).toBe(
      "Get-Service W32Time: Access is denied",
    );
  });

  it("the script's pieces: Entra and AD user hives, the effective firewall store, the Administrators SID", () => {
    const hive = new RegExp(USER_HIVE_PATTERN, "i");
    // Recorded SIDs: an AD/local user (German host, counsyl/puppet-windows#9), Entra users and roles
    // (PowerShell/PowerShell#15585, elastic/detection-rules#2378).
    expect(hive.test("S-1-5-21-224108373-3687871180-31578548-1003")).toBe(true);
    expect(hive.test("S-1-12-1-2143977537-1261457221-2418306433-1546129785")).toBe(true);
    expect(hive.test("S-1-5-21-224108373-3687871180-31578548-1003_Classes")).toBe(false);
    expect(hive.test("S-1-12-1-2143977537-1261457221-2418306433-1546129785_Classes")).toBe(false);
    for (const service of ["S-1-5-18", "S-1-5-19", "S-1-5-20", ".DEFAULT"])
      expect(hive.test(service)).toBe(false);
    expect(POSTURE_SCRIPT).toContain(`-match '${USER_HIVE_PATTERN}'`);
    expect(POSTURE_SCRIPT).toContain("Get-NetFirewallProfile -PolicyStore ActiveStore");
    // The ADSI fallback finds the Administrators group by its SID, never by its English name.
    expect(POSTURE_SCRIPT).not.toMatch(/WinNT:\/\/\.\/Administrators/);
    expect(POSTURE_SCRIPT).toContain("SecurityIdentifier('S-1-5-32-544')).Translate(");
    expect(POSTURE_SCRIPT).toContain("W32Time\\TriggerInfo");
  });

  it("the password section's secedit line pattern reads a recorded export, and the parser turns it into facts", () => {
    expect(POSTURE_SCRIPT).toContain(`$l -match '${SECEDIT_LINE_PATTERN}'`);
    // PowerShell's -match is case-insensitive; Get-Content splits the UTF-16 file into lines without CR.
    const line = new RegExp(SECEDIT_LINE_PATTERN, "i");
    const section: Record<string, number> = {};
    for (const l of fixture("win32", "secedit-export-system-access.inf").split(/\r?\n/)) {
      const m = line.exec(l);
      if (m?.[1] && m[2]) section[m[1]] = Number.parseInt(m[2], 10);
    }
    expect(section).toEqual({
      MinimumPasswordAge: 0,
      MaximumPasswordAge: 42,
      MinimumPasswordLength: 0,
      PasswordComplexity: 1,
      LockoutBadCount: 0,
    });
    const raw = JSON.parse(fixture("win32", "win11-laptop.json"));
    const posture = parseWindowsPosture(JSON.stringify({ ...raw, passwordPolicy: section }), now);
    expect(posture?.result.attributes.password).toEqual({
      maxAgeDays: 42,
      minAgeDays: 0,
      minLength: 0,
      minClasses: 3,
      qualityModule: "windows-password-complexity",
    });
    // LockoutBadCount 0: accounts never lock (secedit then leaves out the duration and the reset window).
    expect(posture?.result.attributes.lockout).toEqual({
      maxAttempts: 0,
      mechanism: "windows-account-lockout",
    });
  });

  it("account lockout, MDM enrolment and Windows Server Backup", () => {
    const laptop = parse("win11-laptop.json").result;
    expect(laptop.attributes.lockout).toEqual({
      maxAttempts: 10,
      windowSeconds: 900,
      unlockSeconds: 900,
      mechanism: "windows-account-lockout",
    });
    // Intune's enrolment counts; the MDM bridge's Local_Management entry does not.
    expect(laptop.attributes.mdm).toEqual({
      enrolled: true,
      provider: "MS DM Server (enrollment.manage.microsoft.com)",
    });
    // A client edition: File History on for the one user who set it up (values of a recorded Config1.xml).
    expect(laptop.attributes.backup).toEqual({
      configured: true,
      tool: "file-history",
      sources: [
        {
          tool: "file-history",
          enabled: true,
          user: "Admin",
          target: "\\\\labhome099\\data\\FileHistoryBackup\\",
        },
      ],
    });
    // OneDrive's known-folder policy set to a tenant (Entra-joined laptop) and the signed-in user's Desktop and
    // Documents in their OneDrive folder; the administrator who is not signed in cannot be read, which does not
    // matter once a backup is on. A running Veeam Agent.
    expect(parse("win10-entra-de.json").result.attributes.backup).toEqual({
      configured: true,
      tool: "onedrive-known-folder-move, onedrive-folder-backup",
      sources: [
        {
          tool: "onedrive-known-folder-move",
          enabled: true,
          target: "OneDrive (tenant 9b1e3c4d-7a2f-4e58-b6c1-0d2e3f4a5b6c)",
        },
        {
          tool: "onedrive-folder-backup",
          enabled: true,
          user: "JonasMueller",
          target: "Desktop, Documents in C:\\Users\\JonasMueller\\OneDrive - Contoso",
        },
      ],
    });
    expect(parse("win10-thirdparty-av.json").result.attributes.backup).toMatchObject({
      configured: true,
      tool: "veeam-agent",
    });
    // Everything read, nothing there: stated as not configured (DEV-BAK-001 fails).
    expect(parse("server2025-gpo-domain.json").result.attributes.backup).toEqual({
      configured: false,
      sources: [],
    });

    const server = parse("server2019-gaps.json").result;
    expect(server.attributes.lockout).toEqual({ maxAttempts: 0, mechanism: "windows-account-lockout" });
    expect(server.attributes.mdm).toEqual({ enrolled: false });
    expect(server.attributes.backup).toEqual({
      configured: true,
      tool: "windows-server-backup",
      latestAgeHours: 13.2,
      sources: [{ tool: "windows-server-backup", enabled: true }],
    });

    const raw = JSON.parse(fixture("win32", "win11-laptop.json"));
    const variant = (changes: Record<string, unknown>) => {
      const posture = parseWindowsPosture(JSON.stringify({ ...raw, ...changes }), now);
      if (!posture) throw new Error("did not parse");
      return posture.result;
    };
    // An administrator must unlock (LockoutDuration -1).
    expect(
      variant({ passwordPolicy: { ...raw.passwordPolicy, LockoutDuration: -1 } }).attributes.lockout
        ?.unlockSeconds,
    ).toBe(0);
    // A stale entry of an earlier enrolment (state 3, failed) and the bridge alone: not enrolled.
    expect(
      variant({
        mdmEnrollments: {
          items: [
            {
              key: "A",
              providerId: "MS DM Server",
              enrollmentState: 3,
              discoveryUrl: "https://x.example/d.svc",
            },
            { key: "B", providerId: "Local_Management", enrollmentState: 1 },
          ],
        },
      }).attributes.mdm,
    ).toEqual({ enrolled: false });
    // No schedule: Windows Server Backup is installed but nothing runs.
    expect(
      variant({
        serverBackup: { installed: true, scheduled: false, lastSuccessfulBackupTime: null },
        fileHistory: { items: [] },
      }).attributes.backup,
    ).toEqual({
      configured: false,
      tool: "windows-server-backup",
      sources: [{ tool: "windows-server-backup", enabled: false }],
    });
    const fileHistory = (item: Record<string, unknown>) =>
      variant({
        fileHistory: { items: [{ sid: "S-1-5-21-1-2-3-1001", profile: "C:\\Users\\ada", ...item }] },
      });
    // File History switched off keeps its file: found, not configured.
    expect(fileHistory({ user: "ada", status: "DISABLED", targetUrl: "E:\\" }).attributes.backup).toEqual({
      configured: false,
      tool: "file-history",
      sources: [{ tool: "file-history", enabled: false, user: "ada", target: "E:\\" }],
    });
    // ENABLED without a target is not a backup anywhere.
    expect(fileHistory({ user: "ada", status: "ENABLED", targetUrl: "" }).attributes.backup?.configured).toBe(
      false,
    );
    // One profile's configuration could not be read and nothing else is on: unreadable, never "no backup".
    const fhDenied = fileHistory({ error: "Access to the path is denied." });
    expect(fhDenied.attributes.backup).toBeUndefined();
    expect(fhDenied.unreadable.backup).toMatch(
      /File History configuration of C:\\Users\\ada: Access to the path is denied/,
    );
    // ... but a configured mechanism elsewhere settles it.
    const withPolicy = variant({
      fileHistory: { items: [{ sid: "S-1-5-21-1-2-3-1001", profile: "C:\\Users\\ada", error: "denied" }] },
      oneDrivePolicy: { present: true, KFMSilentOptIn: "tenant-1" },
    });
    expect(withPolicy.attributes.backup?.configured).toBe(true);
    // The whole section failing (the script's own error) is unreadable too; a stopped agent service is not a schedule.
    expect(variant({ fileHistory: { error: "Invalid class" } }).unreadable.backup).toMatch(
      /File History configurations: Invalid class/,
    );
    expect(
      variant({
        fileHistory: { items: [] },
        backupAgents: { items: [{ name: "CrashPlanService", status: "Stopped", startType: "Disabled" }] },
      }).attributes.backup,
    ).toEqual({ configured: false, tool: "crashplan", sources: [{ tool: "crashplan", enabled: false }] });
    // Hardware inventory from CIM; SMBIOS placeholders are not values, a failed read stays unreadable.
    expect(
      variant({ hardware: { manufacturer: "LENOVO", model: "20XW004GGE", serial: "PF3A1B2C" } }).attributes
        .hardware,
    ).toEqual({ manufacturer: "LENOVO", model: "20XW004GGE", serial: "PF3A1B2C" });
    const placeholder = variant({
      hardware: {
        manufacturer: "System manufacturer",
        model: "System Product Name",
        serial: "To be filled by O.E.M.",
      },
    });
    expect(placeholder.attributes.hardware).toBeUndefined();
    expect(placeholder.unreadable["hardware.serial"]).toMatch(/no serial/);
    const noSerial = variant({
      hardware: { manufacturer: "Dell Inc.", model: "Latitude 7440", serial: null },
    });
    expect(noSerial.attributes.hardware).toEqual({ manufacturer: "Dell Inc.", model: "Latitude 7440" });
    expect(noSerial.unreadable["hardware.serial"]).toMatch(/Win32_BIOS/);
    expect(variant({ hardware: { error: "Access denied" } }).unreadable.hardware).toMatch(/Access denied/);
    expect(POSTURE_SCRIPT).toContain("Get-CimInstance Win32_BIOS");
    // A denied registry read stays unreadable, never "not enrolled".
    const denied = variant({ mdmEnrollments: { error: "Requested registry access is not allowed." } });
    expect(denied.attributes.mdm).toBeUndefined();
    expect(denied.unreadable.mdm).toMatch(/Requested registry access is not allowed/);
    // The script reads the enrolments and the backup schedule.
    expect(POSTURE_SCRIPT).toContain("HKLM:\\SOFTWARE\\Microsoft\\Enrollments");
    expect(POSTURE_SCRIPT).toContain("Get-WBSummary");
    // The FFFFFFFF-… placeholder every Windows carries (EnrollmentState 1, no ProviderID) is never printed.
    expect(POSTURE_SCRIPT).toContain("if ($null -ne $p.ProviderID)");
  });

  it("OneDrive folder backup: a signed-in user's known folders inside one of their OneDrive accounts' folders", () => {
    const user = (fields: Partial<OneDriveUser>): OneDriveUser => ({
      profile: "C:\\Users\\ada",
      loaded: true,
      oneDriveDirs: ["OneDrive - Contoso"],
      accountFolders: ["C:\\Users\\ada\\OneDrive - Contoso"],
      ...fields,
    });
    // %USERPROFILE% is the profile's own path (the script reads the values unexpanded); case and a trailing
    // backslash do not matter.
    expect(
      oneDriveFolderBackup(
        user({
          Personal: "%USERPROFILE%\\onedrive - contoso\\Documents\\",
          Desktop: "%USERPROFILE%\\Desktop",
        }),
      ),
    ).toEqual({
      tool: "onedrive-folder-backup",
      enabled: true,
      user: "ada",
      target: "Documents in C:\\Users\\ada\\OneDrive - Contoso",
    });
    // A folder beside the account's, with the same beginning, is not inside it.
    expect(
      oneDriveFolderBackup(user({ Personal: "C:\\Users\\ada\\OneDrive - Contoso2\\Documents" })),
    ).toEqual({
      tool: "onedrive-folder-backup",
      enabled: false,
      user: "ada",
      target: "C:\\Users\\ada\\OneDrive - Contoso",
    });
    // Signed in without a OneDrive account: nothing to report.
    expect(
      oneDriveFolderBackup(user({ accountFolders: [], Personal: "%USERPROFILE%\\Documents" })),
    ).toBeUndefined();
    // Not signed in: with a OneDrive folder in the profile the question stays open (a reason); without, nothing.
    expect(oneDriveFolderBackup(user({ loaded: false, accountFolders: undefined }))).toMatch(
      /OneDrive folder backup of C:\\Users\\ada: the user is not signed in/,
    );
    expect(oneDriveFolderBackup(user({ loaded: false, oneDriveDirs: [] }))).toBeUndefined();

    // On the whole device: the open question of a signed-out user keeps "no backup" from being stated.
    const raw = JSON.parse(fixture("win32", "win10-thirdparty-av.json"));
    const device = parseWindowsPosture(
      JSON.stringify({
        ...raw,
        backupAgents: { items: [] },
        oneDriveUsers: {
          items: [
            {
              sid: "S-1-5-21-1-2-3-1001",
              profile: "C:\\Users\\bob",
              loaded: false,
              oneDriveDirs: ["OneDrive"],
            },
          ],
        },
      }),
      now,
    )?.result;
    expect(device?.attributes.backup).toBeUndefined();
    expect(device?.unreadable.backup).toMatch(
      /OneDrive folder backup of C:\\Users\\bob: the user is not signed in/,
    );
    expect(POSTURE_SCRIPT).toContain("Software\\Microsoft\\OneDrive\\Accounts");
    expect(POSTURE_SCRIPT).toContain("GetValue($n, $null, 'DoNotExpandEnvironmentNames')");
    // Every constant was substituted (a backslash before \${ would have kept it literal).
    expect(POSTURE_SCRIPT).not.toMatch(/\$\{/);
  });

  it("the backup sections read what a recorded File History Config1.xml holds, the OneDrive policy and agent services", () => {
    // The elements the script copies ($c.UserName, $c.DPStatus, $c.DPFrequency, $c.Target.TargetUrl,
    // $c.Target.TargetDriveType under DataProtectionUserConfig) exist in the recorded file with these values,
    // and the laptop fixture's fileHistory entry carries exactly them.
    const xml = fixture("win32", "file-history-config1.xml");
    const element = (text: string, name: string) =>
      new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(text)?.[1];
    const root = element(xml, "DataProtectionUserConfig") ?? "";
    const target = element(root, "Target") ?? "";
    const recorded = {
      user: element(root, "UserName"),
      status: element(root, "DPStatus"),
      frequencySeconds: element(root, "DPFrequency"),
      targetUrl: element(target, "TargetUrl"),
      targetDriveType: element(target, "TargetDriveType"),
    };
    expect(recorded).toEqual({
      user: "Admin",
      status: "ENABLED",
      frequencySeconds: "3600",
      targetUrl: "\\\\labhome099\\data\\FileHistoryBackup\\",
      targetDriveType: "REMOTE",
    });
    const laptop = JSON.parse(fixture("win32", "win11-laptop.json"));
    expect(laptop.fileHistory.items[0]).toMatchObject(recorded);
    for (const read of [
      "$c.UserName",
      "$c.DPStatus",
      "$c.DPFrequency",
      "$c.Target.TargetUrl",
      "$c.Target.TargetDriveType",
    ])
      expect(POSTURE_SCRIPT).toContain(read);
    expect(POSTURE_SCRIPT).toContain(".DataProtectionUserConfig");
    expect(POSTURE_SCRIPT).toContain("AppData\\Local\\Microsoft\\Windows\\FileHistory\\Configuration");
    expect(POSTURE_SCRIPT).toContain("@('Config1.xml', 'Config2.xml')");
    expect(POSTURE_SCRIPT).toContain("HKLM:\\SOFTWARE\\Policies\\Microsoft\\OneDrive");
    expect(POSTURE_SCRIPT).toContain("'KFMSilentOptIn'");
    for (const service of Object.keys(BACKUP_AGENT_SERVICES))
      expect(POSTURE_SCRIPT).toContain(`'${service}'`);
  });

  it("the script prints pure ASCII JSON, so a German host's OEM code page cannot garble names", () => {
    expect(POSTURE_SCRIPT).toContain(String.raw`[regex]::Replace($json, '[^\x00-\x7F]'`);
    expect(POSTURE_SCRIPT).toContain(String.raw`'\u{0:x4}' -f [int][char]$m.Value`);
    // The same escaping in JavaScript (each UTF-16 unit as \u + four lower-case hex digits, as .NET's {0:x4}).
    const raw = JSON.parse(fixture("win32", "win10-entra-de.json"));
    const json = JSON.stringify({
      ...raw,
      os: { ...raw.os, hostname: "BÜRO-PC-Ø1" },
      admins: { items: ["Administrator", "AzureAD\\Jürgen😀"] },
    });
    const ascii = json.replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
    expect(ascii).not.toMatch(/[\u0080-\uffff]/);
    const posture = parseWindowsPosture(ascii, now);
    expect(posture?.result.attributes.hostname).toBe("BÜRO-PC-Ø1");
    expect(posture?.result.attributes.accounts?.localAdmins).toEqual(["Administrator", "AzureAD\\Jürgen😀"]);
  });

  it("Defender in passive mode with no other active antivirus protects nothing, whatever its toggles say", () => {
    // The AMRunningMode values and "every toggle still true" come from mondoohq/mql#10381.
    const raw = JSON.parse(fixture("win32", "win11-laptop.json"));
    for (const mode of ["Passive Mode", "SxS Passive Mode", "EDR Block Mode", "Not running"]) {
      const posture = parseWindowsPosture(
        JSON.stringify({ ...raw, defender: { ...raw.defender, amRunningMode: mode } }),
        now,
      );
      expect(posture?.result.attributes.malware).toMatchObject({
        installed: true,
        running: false,
        realTimeProtection: false,
        product: `Microsoft Defender Antivirus (${mode})`,
      });
    }
  });

  it("decodes Security Center product states and update policies", () => {
    expect(decodeProductState(397568)).toEqual({ enabled: true, upToDate: true });
    expect(decodeProductState(393472)).toEqual({ enabled: false, upToDate: true });
    expect(decodeProductState(266240)).toEqual({ enabled: true, upToDate: true });
    expect(decodeProductState(397584)).toEqual({ enabled: true, upToDate: false });
    // No policy: nothing recorded as automatic; Windows Update's default is DEV-PATCH-002's to state.
    expect(decideAutomaticUpdates("Manual", {}, undefined)).toEqual({
      mechanism: "no update policy (Windows Update's default)",
    });
    expect(decideAutomaticUpdates("Manual", { NoAutoUpdate: 1, AUOptions: 4 }, 2).automatic).toBe(false);
    expect(decideAutomaticUpdates("Manual", { AUOptions: 4 }, undefined).automatic).toBe(true);
    expect(decideAutomaticUpdates("Manual", {}, 5).automatic).toBe(false);
  });

  it("no update policy leaves `automatic` absent (Windows Update's default is DEV-PATCH-002's); unread parts stay unread", () => {
    const recorded = JSON.parse(fixture("win32", "win11-laptop.json"));
    const unmanaged = parseWindowsPosture(
      JSON.stringify({ ...recorded, updateMdmPolicy: { present: false } }),
      now,
    );
    expect(unmanaged?.result.attributes.updates?.automatic).toBeUndefined();
    expect(unmanaged?.result.attributes.updates?.automaticMechanism).toBe(
      "no update policy (Windows Update's default)",
    );
    expect(unmanaged?.result.unreadable["updates.automatic"]).toBeUndefined();
    const noAgent = parseWindowsPosture(
      JSON.stringify({
        ...recorded,
        updateMdmPolicy: { present: false },
        updateAgent: { error: "Access is denied." },
        firewallRules: { error: "Get-NetFirewallRule: Access is denied." },
      }),
      now,
    );
    expect(noAgent?.result.attributes.updates?.automatic).toBeUndefined();
    expect(noAgent?.result.unreadable["updates.automatic"]).toMatch(/wuauserv start type: Access is denied/);
    expect(noAgent?.result.attributes.firewall?.ruleCount).toBeUndefined();
    expect(noAgent?.result.unreadable["firewall.ruleCount"]).toMatch(/Access is denied/);
    expect(DeviceFactsSchema.safeParse(noAgent?.result.attributes).success).toBe(true);
  });

  it("refuses output that is not the script's JSON object", () => {
    expect(parseWindowsPosture("", now)).toBeUndefined();
    expect(parseWindowsPosture("[1,2]", now)).toBeUndefined();
    const broken = parseWindowsPosture(
      JSON.stringify({ schema: 1, firewall: { items: [{ name: 1 }] } }),
      now,
    );
    expect(broken?.result.unreadable.firewall).toMatch(/unexpected firewall output/);
  });

  it("runs the script once through powershell -EncodedCommand and builds a valid device resource", async () => {
    const args = powershellArgs();
    expect(Buffer.from(args.at(-1)!, "base64").toString("utf16le")).toBe(POSTURE_SCRIPT);
    const powershell = `${process.env.SystemRoot ?? "C:\\Windows"}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
    const host = recordedHost(
      { [[powershell, ...args].join(" ")]: { stdout: `\uFEFF${fixture("win32", "win11-laptop.json")}` } },
      { now },
    );
    const resource = ResourceSchema.parse(await collectWin32Device(host));
    expect(resource.uid).toBe("device:4c4c4544-0042-3910-8051-b7c04f563533");
    expect(resource.name).toBe("LT-0427");
    expect(host.calls).toHaveLength(1);
    // Without the script's output there is no hardware id: an explicit error, never a shared made-up uid.
    await expect(collectWin32Device(recordedHost({}, { now }))).rejects.toMatchObject({
      code: "DEVICE_ID_UNREADABLE",
      message: expect.stringMatching(/not installed/),
    });
  });
});
