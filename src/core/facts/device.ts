import { z } from "zod";

/**
 * Facts about one device (laptop, server, VM), the same on every platform where the fact is the same, so
 * one rule covers Linux, macOS and Windows. Every group is optional: a group a collector could not read is
 * absent and named in the resource's `unreadable` map with the reason.
 */
const count = z.number().int().nonnegative();

export const DeviceFactsSchema = z.strictObject({
  os: z
    .strictObject({
      platform: z.enum(["linux", "darwin", "win32"]),
      distro: z.string(),
      /** The OS version; absent when the system names none (a rolling release's os-release has no VERSION_ID). */
      release: z.string().optional(),
      codename: z.string().optional(),
      kernel: z.string(),
      arch: z.string(),
    })
    .optional(),
  hostname: z.string().optional(),
  hardwareUuid: z.string().optional(),
  /**
   * Hardware inventory from the firmware (SMBIOS): each field only when a real value was read; a serial number
   * often needs root on Linux and is then absent, named in `unreadable` (`hardware.serial`).
   */
  hardware: z
    .strictObject({
      manufacturer: z.string().min(1).optional(),
      model: z.string().min(1).optional(),
      serial: z.string().min(1).optional(),
    })
    .optional(),
  /** Whether a person's graphical session runs here: screen-lock rules apply only then. */
  desktopSession: z.boolean().optional(),

  diskEncryption: z
    .strictObject({
      /** The volume holding the operating system (`/`, the macOS Data volume, `C:`). */
      systemVolumeEncrypted: z.boolean(),
      method: z.enum(["luks", "dm-crypt", "filevault", "bitlocker", "none", "unknown"]),
      volumes: z.array(
        z.strictObject({
          mount: z.string(),
          device: z.string(),
          encrypted: z.boolean(),
          method: z.string().optional(),
        }),
      ),
    })
    .optional(),

  firewall: z
    .strictObject({
      enabled: z.boolean(),
      /** The firewall that was found active, or the first one present when none is active. */
      backend: z.enum(["nftables", "iptables", "ufw", "firewalld", "macos-alf", "pf", "windows", "none"]),
      /** Rules in the active ruleset (all tables); absent when they could not be listed (named in `unreadable`). */
      ruleCount: count.optional(),
      /**
       * What happens to inbound traffic no rule matches: `deny` when the input path drops it by default. On Windows
       * absent when no profile allows and some set nothing (NotConfigured): Windows' default decides (DEV-FW-002).
       */
      defaultInboundPolicy: z.enum(["allow", "deny"]).optional(),
      /** Windows: each profile (Domain, Private, Public) enabled. */
      profiles: z.record(z.string(), z.boolean()).optional(),
    })
    .optional(),

  updates: z
    .strictObject({
      manager: z.enum(["apt", "dnf", "yum", "zypper", "softwareupdate", "windows-update", "none"]),
      pending: count,
      pendingSecurity: count,
      /**
       * Whether updates install without a person. Absent on macOS when automatic checking is on and
       * CriticalUpdateInstall is not set in com.apple.SoftwareUpdate: Apple's default then decides (DEV-PATCH-002).
       */
      automatic: z.boolean().optional(),
      /** The mechanism that makes updates automatic (`unattended-upgrades`, `dnf-automatic`, …). */
      automaticMechanism: z.string().optional(),
      /** Absent (and named in `unreadable`) when the platform's tool to tell is missing. */
      rebootRequired: z.boolean().optional(),
      /** When the package index was last refreshed, if known: stale indexes hide pending updates. */
      lastRefreshedAt: z.iso.datetime().optional(),
      /**
       * The pending security updates by name (apt/dnf package, macOS update label, Windows update title): what
       * the update history tracks. Absent when the platform's listing gives no names.
       */
      securityUpdates: z.array(z.string()).optional(),
      /**
       * When the oldest pending security update was first seen pending on this device (update history,
       * `collectors/device/update-history.ts`): absent when none is pending or no history could be kept.
       */
      oldestSecurityFirstSeenAt: z.iso.datetime().optional(),
      /** Since when this device's update history is kept: a first sighting before it cannot be known. */
      historySince: z.iso.datetime().optional(),
    })
    .optional(),

  ssh: z
    .strictObject({
      serverInstalled: z.boolean(),
      serverRunning: z.boolean().optional(),
      /**
       * sshd's PermitRootLogin, PasswordAuthentication and PermitEmptyPasswords: from `sshd -T` (effective, always
       * all three) or, when that is refused, from the config files, where a keyword no file sets is absent and
       * OpenSSH's compiled-in default applies (the DEV-SSH rules state it). Where the configuration is not read
       * at all (macOS, Windows) they are named in `unreadable`.
       */
      permitRootLogin: z.string().optional(),
      passwordAuthentication: z.boolean().optional(),
      permitEmptyPasswords: z.boolean().optional(),
    })
    .optional(),

  password: z
    .strictObject({
      /** Days before a password must be changed (login.defs PASS_MAX_DAYS, Windows MaximumPasswordAge). */
      maxAgeDays: z.number().int().optional(),
      minAgeDays: z.number().int().optional(),
      warnAgeDays: z.number().int().optional(),
      /**
       * The shortest password accepted, where something sets it (pwquality/cracklib minlen, passwdqc min, pam_unix
       * minlen, PASS_MIN_LEN, an account policy). Absent when nothing does: the module's documented default applies
       * (DEV-PWD-003).
       */
      minLength: z.number().int().optional(),
      /** Minimum number of character classes required (pam_pwquality minclass, or derived from credits). */
      minClasses: z.number().int().optional(),
      /** The strength checker in the PAM stack: `pam_pwquality`, `pam_passwdqc`, `pam_cracklib`, or `none`. */
      qualityModule: z.string(),
      /**
       * Linux: the modules of the PAM password stack, in order. With `qualityModule`, it tells DEV-PWD-003 whose
       * documented default applies when no minimum length is set (`minLength` absent).
       */
      pamModules: z.array(z.string()).optional(),
    })
    .optional(),

  screenLock: z
    .strictObject({
      /**
       * Where the settings were read: `gnome` (gsettings), `kde` (kscreenlockerrc), `macos` (com.apple.screensaver
       * and sysadminctl); absent on Windows. DEV-SCR-001 needs it when a setting was not set at all: then the desktop's
       * documented default decides, and the rule, not the collector, states that default.
       */
      mechanism: z.enum(["gnome", "kde", "macos"]).optional(),
      /**
       * Whether the screen locks by itself. Absent when the setting that decides it was not set (KDE `Autolock`,
       * the macOS user's `idleTime`): the desktop's documented default applies (DEV-SCR-001).
       */
      enabled: z.boolean().optional(),
      /**
       * Seconds of inactivity before the screen locks (idle time plus any grace before the password is asked).
       * Absent when it never locks, or when the idle time was not set (KDE `Timeout`, macOS `idleTime`: the
       * documented default applies, DEV-SCR-001).
       */
      idleSeconds: z.number().int().nonnegative().optional(),
      /** Whether a password is asked on wake, when the platform separates the two; absent when not set. */
      requirePassword: z.boolean().optional(),
      /**
       * macOS, only when `idleTime` was not set: seconds between the screen saver starting and the password being
       * asked (askForPasswordDelay, or what sysadminctl reports), for the rule to add to the default idle time.
       */
      passwordDelaySeconds: z.number().int().nonnegative().optional(),
    })
    .optional(),

  malware: z
    .strictObject({
      installed: z.boolean(),
      running: z.boolean(),
      product: z.string().optional(),
      /** Age of the newest signature database in hours; absent when no scanner is installed. */
      signatureAgeHours: z.number().nonnegative().optional(),
      realTimeProtection: z.boolean().optional(),
      /** What is scanned when a file is opened, where the product's configuration lists it (ClamAV clamonacc). */
      onAccessPaths: z.array(z.string()).optional(),
      /** Protection comes from the vendor's cloud (e.g. CrowdStrike Falcon): there is no local signature database to age. */
      cloudDelivered: z.boolean().optional(),
    })
    .optional(),

  lockout: z
    .strictObject({
      /**
       * Failed logins in a row before the account locks; 0 = accounts never lock. Absent when pam_faillock or
       * pam_tally2 counts failures but nothing sets `deny`: the module's documented default decides (DEV-LCK-001).
       */
      maxAttempts: count.optional(),
      /**
       * Seconds within which the failures count (faillock fail_interval, Windows ResetLockoutCount); absent when
       * not set (faillock.conf(5) default 900).
       */
      windowSeconds: count.optional(),
      /**
       * Seconds an account stays locked; 0 = until an administrator unlocks it. Absent when not set
       * (faillock.conf(5) default 600).
       */
      unlockSeconds: count.optional(),
      /** What enforces it: `pam_faillock`, `pam_tally2`, `windows-account-lockout`, `pwpolicy`, `none`. */
      mechanism: z.string(),
    })
    .optional(),

  mdm: z
    .strictObject({
      /** Enrolled in a mobile device management service. */
      enrolled: z.boolean(),
      /** Who manages it: Windows ProviderID (`MS DM Server` is Intune), the MDM server's host, the Linux agent. */
      provider: z.string().optional(),
      /** macOS: enrolled through Automated Device Enrollment (Apple Business Manager, "DEP"). */
      automatedEnrollment: z.boolean().optional(),
      /** macOS: the enrolment is user approved (or automated), which some payloads require. */
      userApproved: z.boolean().optional(),
    })
    .optional(),

  removableMedia: z
    .strictObject({
      usbStorageBlocked: z.boolean(),
      /** How it is blocked (`modprobe install /bin/false`, `blacklist usb-storage`, policy key …). */
      mechanism: z.string().optional(),
    })
    .optional(),

  timeSync: z
    .strictObject({
      active: z.boolean(),
      service: z.string().optional(),
      synchronized: z.boolean().optional(),
    })
    .optional(),

  accounts: z
    .strictObject({
      /** Absent (and named in `unreadable`) when the password database needs privileges the scan lacks. */
      emptyPasswordUsers: z.array(z.string()).optional(),
      /** Accounts other than root with UID 0. */
      extraUidZeroUsers: z.array(z.string()),
      /** Members of the local administrators group (Windows, macOS admin group, Linux sudo/wheel). */
      localAdmins: z.array(z.string()).optional(),
    })
    .optional(),

  backup: z
    .strictObject({
      configured: z.boolean(),
      tool: z.string().optional(),
      /** Hours since the newest completed backup. */
      latestAgeHours: z.number().nonnegative().optional(),
      /**
       * Every backup mechanism the probe found, switched on or not (Windows: Windows Server Backup, each user's
       * File History, the OneDrive known-folder policy, backup agents' services), so the evidence shows which
       * one made `configured` true and which were found off.
       */
      sources: z
        .array(
          z.strictObject({
            tool: z.string(),
            enabled: z.boolean(),
            /** Whose data it covers, for a per-user mechanism (File History). */
            user: z.string().optional(),
            /** Where it writes, as the tool states it (a drive, a share, a cloud tenant). */
            target: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),

  platformIntegrity: z
    .strictObject({
      /** macOS System Integrity Protection, Secure Boot on others. */
      sip: z.boolean().optional(),
      gatekeeper: z.boolean().optional(),
      secureBoot: z.boolean().optional(),
    })
    .optional(),
});

export type DeviceFacts = z.infer<typeof DeviceFactsSchema>;
