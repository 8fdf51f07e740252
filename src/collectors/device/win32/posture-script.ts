/**
 * The PowerShell the Windows collector runs: ONE process (PowerShell start-up costs about a second) that
 * reads every fact group and prints one JSON object. Each section is wrapped so a failure (a cmdlet missing
 * on Server Core, access denied, the Windows Update service disabled) becomes `{ "error": "…" }` for that
 * section only. Lists are wrapped as `{ "items": [...] }` because PowerShell unrolls one-element arrays
 * returned from a script block. Enum values are turned into their names ("On", "FullyEncrypted") so the
 * output does not depend on the PowerShell version; dates are ISO 8601 UTC.
 * Works on Windows PowerShell 5.1 (every supported Windows) and PowerShell 7.
 */
/**
 * User hives the screen-saver section reads: local and Active Directory accounts (S-1-5-21-…) and Microsoft
 * Entra ID accounts (S-1-12-1-…, Entra-joined laptops). Anchored at both ends, so the per-user
 * "…_Classes" hives and the service hives (S-1-5-18/19/20) are left out. PowerShell's -match is
 * case-insensitive .NET regex; this pattern means the same in JavaScript (tested against recorded SIDs).
 */
export const USER_HIVE_PATTERN = "^S-1-(5-21|12-1)-[0-9-]+$";

/**
 * The Windows Time service's start triggers (Action 1 = SERVICE_TRIGGER_ACTION_SERVICE_START) live under
 * the service's TriggerInfo key, the same on every display language (`sc qtriggerinfo w32time` prints them
 * translated).
 */
const W32TIME_KEY = String.raw`HKLM:\SYSTEM\CurrentControlSet\Services\W32Time`;

/** The `[System Access]` lines of a `secedit /export` the password section keeps (key names are never translated). */
export const SECEDIT_LINE_PATTERN = String.raw`^(MinimumPasswordAge|MaximumPasswordAge|MinimumPasswordLength|PasswordComplexity|LockoutBadCount|ResetLockoutCount|LockoutDuration)\s*=\s*(-?\d+)`;

/**
 * MDM enrolments: one subkey per enrolment under this key, with ProviderID ("MS DM Server" is Intune),
 * EnrollmentState (1 = enrolled, the Intune enrollmentState values), UPN and DiscoveryServiceFullURL. SYSTEM
 * reads it without any MDM tool; Fleet's Windows MDM detection reads the same values (fleetdm/fleet
 * server/service/osquery_utils/queries.go, "mdm_windows").
 */
const ENROLLMENTS_KEY = String.raw`HKLM:\SOFTWARE\Microsoft\Enrollments`;

/**
 * File History's per-user configuration folder under a profile. The file's layout is the one recorded in
 * https://www.verboon.info/2012/04/windows-8-file-history-feature-replaces-previous-versions-and-backup-and-restore/
 * (test/fixtures/device/win32/SOURCES.md).
 */
const FILE_HISTORY_CONFIG = String.raw`AppData\Local\Microsoft\Windows\FileHistory\Configuration`;

/**
 * The OneDrive sync app's machine policies; "Silently move Windows known folders to OneDrive" writes
 * KFMSilentOptIn there (https://learn.microsoft.com/sharepoint/use-group-policy).
 */
const ONEDRIVE_POLICY_KEY = String.raw`HKLM:\SOFTWARE\Policies\Microsoft\OneDrive`;

/**
 * Per-user keys of OneDrive folder backup, under a user's hive: each signed-in OneDrive account's folder
 * (`Accounts\<Personal|Business1…>\UserFolder`) and where the known folders point (`User Shell Folders`:
 * `Desktop`, `Personal` = Documents, `My Pictures`). Known Folder Move points those into the account's folder
 * (https://learn.microsoft.com/sharepoint/redirect-known-folders).
 */
const ONEDRIVE_ACCOUNTS = String.raw`Software\Microsoft\OneDrive\Accounts`;
const USER_SHELL_FOLDERS = String.raw`Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders`;

/**
 * Windows services of backup agents that schedule themselves (from their own console or a server), by the
 * product they belong to. A running service is the schedule, as for the Linux agents (linux/backup.ts).
 */
export const BACKUP_AGENT_SERVICES: Readonly<Record<string, string>> = {
  VeeamEndpointBackupSvc: "veeam-agent",
  AcrSch2Svc: "acronis",
  CrashPlanService: "crashplan",
  CarboniteService: "carbonite",
  bzserv: "backblaze",
};
const BACKUP_AGENT_NAMES = Object.keys(BACKUP_AGENT_SERVICES)
  .map((name) => `'${name}'`)
  .join(", ");

export const POSTURE_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Section([scriptblock]$block) { try { & $block } catch { [ordered]@{ error = $_.Exception.Message } } }
function Reg([string]$path, [string[]]$names) {
  $values = [ordered]@{ present = $false }
  if (Test-Path -LiteralPath $path) {
    $values.present = $true
    $item = Get-ItemProperty -LiteralPath $path
    foreach ($n in $names) { if ($null -ne $item.$n) { $values[$n] = $item.$n } }
  }
  $values
}
function Iso($d) { if ($null -eq $d -or $d.Year -lt 1971) { $null } else { ([DateTime]$d).ToUniversalTime().ToString('o') } }
# People's profiles (not the service accounts'), listed once for the sections that look into each of them.
function UserProfiles { if ($null -eq $script:profiles) { $script:profiles = @(Get-CimInstance Win32_UserProfile | Where-Object { -not $_.Special -and $_.LocalPath }) }; $script:profiles }
$out = [ordered]@{ schema = 1 }
$out.os = Section {
  $os = Get-CimInstance Win32_OperatingSystem
  $cv = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
  [ordered]@{ caption = $os.Caption; version = $os.Version; build = $os.BuildNumber; architecture = $os.OSArchitecture;
    displayVersion = $cv.DisplayVersion; installationType = $cv.InstallationType; hostname = $env:COMPUTERNAME;
    uuid = (Get-CimInstance Win32_ComputerSystemProduct).UUID }
}
$out.bitlocker = Section { [ordered]@{ items = @(Get-BitLockerVolume | ForEach-Object { [ordered]@{
  mountPoint = $_.MountPoint; volumeType = "$($_.VolumeType)"; protectionStatus = "$($_.ProtectionStatus)";
  volumeStatus = "$($_.VolumeStatus)"; encryptionMethod = "$($_.EncryptionMethod)"; encryptionPercentage = $_.EncryptionPercentage } }) } }
$out.defender = Section {
  $s = Get-MpComputerStatus
  [ordered]@{ amServiceEnabled = $s.AMServiceEnabled; antivirusEnabled = $s.AntivirusEnabled;
    realTimeProtectionEnabled = $s.RealTimeProtectionEnabled; amRunningMode = "$($s.AMRunningMode)";
    antivirusSignatureVersion = $s.AntivirusSignatureVersion; antivirusSignatureLastUpdated = (Iso $s.AntivirusSignatureLastUpdated) }
}
$out.antivirusProducts = Section { [ordered]@{ items = @(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct |
  ForEach-Object { [ordered]@{ name = $_.displayName; productState = [int]$_.productState } }) } }
$out.updates = Section {
  $searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
  $result = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
  [ordered]@{ items = @($result.Updates | ForEach-Object { [ordered]@{ title = $_.Title; msrcSeverity = $_.MsrcSeverity;
    categories = @($_.Categories | ForEach-Object { $_.Name }) } }) }
}
$out.updateAgent = Section {
  $au = New-Object -ComObject Microsoft.Update.AutoUpdate
  $last = $au.Results.LastSearchSuccessDate
  [ordered]@{ lastSearchSuccessDate = $(if ($null -eq $last -or $last.Year -lt 1971) { $null } else { [DateTime]::SpecifyKind($last, 'Utc').ToString('o') });
    rebootRequired = (New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired;
    serviceStartType = "$((Get-Service wuauserv).StartType)" }
}
$out.updatePolicy = Section { Reg 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU' @('NoAutoUpdate', 'AUOptions') }
$out.updateMdmPolicy = Section { Reg 'HKLM:\SOFTWARE\Microsoft\PolicyManager\current\device\Update' @('AllowAutoUpdate') }
# ActiveStore is the effective policy: the local store alone says NotConfigured where Group Policy or Intune
# turned the firewall on (or off).
$out.firewall = Section { [ordered]@{ items = @(Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object { [ordered]@{ name = "$($_.Name)";
  enabled = "$($_.Enabled)"; defaultInboundAction = "$($_.DefaultInboundAction)" } }) } }
$out.firewallRules = Section { [ordered]@{ count = (Get-Item 'HKLM:\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules').ValueCount } }
$out.machineInactivity = Section { Reg 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' @('InactivityTimeoutSecs') }
$out.userScreenSavers = Section { [ordered]@{ items = @(Get-ChildItem 'Registry::HKEY_USERS' | Where-Object { $_.PSChildName -match '${USER_HIVE_PATTERN}' } | ForEach-Object {
  $sid = $_.PSChildName
  [ordered]@{ sid = $sid;
    policy = (Reg "Registry::HKEY_USERS\$sid\Software\Policies\Microsoft\Windows\Control Panel\Desktop" @('ScreenSaveActive', 'ScreenSaverIsSecure', 'ScreenSaveTimeOut', 'SCRNSAVE.EXE'));
    user = (Reg "Registry::HKEY_USERS\$sid\Control Panel\Desktop" @('ScreenSaveActive', 'ScreenSaverIsSecure', 'ScreenSaveTimeOut', 'SCRNSAVE.EXE')) } }) } }
$out.usbstor = Section { Reg 'HKLM:\SYSTEM\CurrentControlSet\Services\USBSTOR' @('Start') }
$out.removableStoragePolicy = Section { Reg 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices' @('Deny_All') }
$out.admins = Section {
  try { $members = @(Get-LocalGroupMember -SID 'S-1-5-32-544' | ForEach-Object { "$($_.Name)" }) }
  catch {
    # Get-LocalGroupMember fails on groups holding orphaned domain SIDs; ADSI still lists them. The group's
    # name is translated (Administratoren, Administrateurs, Administradores): look it up from its SID.
    $name = (New-Object System.Security.Principal.SecurityIdentifier('S-1-5-32-544')).Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
    $group = [ADSI]"WinNT://./$name,group"
    $members = @($group.psbase.Invoke('Members') | ForEach-Object { $_.GetType().InvokeMember('Name', 'GetProperty', $null, $_, $null) })
  }
  [ordered]@{ items = $members }
}
$out.localUsers = Section { [ordered]@{ items = @(Get-LocalUser | ForEach-Object { [ordered]@{ name = $_.Name; enabled = $_.Enabled; passwordRequired = $_.PasswordRequired } }) } }
# Legacy BIOS: the cmdlet throws PlatformNotSupportedException (its message is translated, its type is not).
$out.secureBoot = Section { try { [ordered]@{ enabled = [bool](Confirm-SecureBootUEFI) } } catch [System.PlatformNotSupportedException] { [ordered]@{ enabled = $false; supported = $false } } }
$out.passwordPolicy = Section {
  # secedit's INF keys are the same in every display language (net accounts is translated).
  $tmp = [IO.Path]::GetTempFileName()
  try { secedit /export /cfg $tmp /areas SECURITYPOLICY | Out-Null; $lines = Get-Content $tmp } finally { Remove-Item $tmp -ErrorAction SilentlyContinue }
  $v = [ordered]@{}
  foreach ($l in $lines) { if ($l -match '${SECEDIT_LINE_PATTERN}') { $v[$Matches[1]] = [int]$Matches[2] } }
  $v
}
# An absent Enrollments key means the device never enrolled; a denied read stays an error. Only entries with a
# ProviderID are enrolments of a management service: every Windows carries FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF
# with EnrollmentState 1 and no ProviderID (recorded export: https://pastebin.com/C03hdew4), and the Context,
# Status and ValidNodePaths subkeys.
$out.mdmEnrollments = Section { [ordered]@{ items = @(if (Test-Path -LiteralPath '${ENROLLMENTS_KEY}') {
  Get-ChildItem -LiteralPath '${ENROLLMENTS_KEY}' | ForEach-Object { $p = Get-ItemProperty -LiteralPath $_.PSPath
    if ($null -ne $p.ProviderID) { [ordered]@{ key = $_.PSChildName; providerId = "$($p.ProviderID)"; enrollmentState = $p.EnrollmentState;
      upn = $p.UPN; discoveryUrl = $p.DiscoveryServiceFullURL } } } }) } }
# Windows Server Backup (wbadmin's engine): the schedule (Get-WBPolicy, $null when none) and the newest
# successful backup (Get-WBSummary). Client editions have no WindowsServerBackup module.
$out.serverBackup = Section {
  if (-not (Get-Command Get-WBSummary -ErrorAction SilentlyContinue)) { [ordered]@{ installed = $false } }
  else { $policy = Get-WBPolicy; $s = Get-WBSummary
    [ordered]@{ installed = $true; scheduled = ($null -ne $policy -and @($policy.Schedule).Count -gt 0);
      lastSuccessfulBackupTime = (Iso $s.LastSuccessfulBackupTime); numberOfVersions = $s.NumberOfVersions } } }
# File History (Windows 8 to 11) keeps each user's configuration in that user's profile, Config1.xml mirrored
# in Config2.xml (${FILE_HISTORY_CONFIG}); the agent runs as SYSTEM and reads every profile's. DPStatus,
# the frequency and the target are copied as written. Profiles without the file never set File History up.
$out.fileHistory = Section { [ordered]@{ items = @(UserProfiles | ForEach-Object {
  $profilePath = $_.LocalPath; $sid = $_.SID
  $dir = Join-Path $profilePath '${FILE_HISTORY_CONFIG}'
  $file = @('Config1.xml', 'Config2.xml') | ForEach-Object { Join-Path $dir $_ } | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
  if ($file) {
    try { $c = ([xml](Get-Content -LiteralPath $file -Raw -Encoding UTF8)).DataProtectionUserConfig
      [ordered]@{ sid = $sid; profile = $profilePath; user = "$($c.UserName)"; status = "$($c.DPStatus)"; frequencySeconds = "$($c.DPFrequency)";
        targetUrl = "$($c.Target.TargetUrl)"; targetDriveType = "$($c.Target.TargetDriveType)" } }
    catch { [ordered]@{ sid = $sid; profile = $profilePath; error = $_.Exception.Message } } } }) } }
# OneDrive folder backup (Known Folder Move: what OneDrive's "Manage backup" and the Windows Backup app turn on)
# moves a user's Desktop, Documents and Pictures into their OneDrive folder. From each signed-in user's hive: the
# OneDrive accounts' folders (Accounts\*\UserFolder) and the three folders' paths (User Shell Folders, unexpanded:
# SYSTEM's own environment would expand %USERPROFILE% wrongly). A hive is loaded only while its user is signed in;
# for the others, whether the profile holds a OneDrive folder at all.
$out.oneDriveUsers = Section { [ordered]@{ items = @(UserProfiles | ForEach-Object {
  $hive = "Registry::HKEY_USERS\$($_.SID)"
  $entry = [ordered]@{ sid = $_.SID; profile = $_.LocalPath; loaded = (Test-Path -LiteralPath $hive)
    oneDriveDirs = @(Get-ChildItem -LiteralPath $_.LocalPath -Directory -Filter 'OneDrive*' -ErrorAction SilentlyContinue | ForEach-Object { $_.Name }) }
  if ($entry.loaded) {
    $accounts = "$hive\" + '${ONEDRIVE_ACCOUNTS}'
    $entry.accountFolders = @(if (Test-Path -LiteralPath $accounts) { Get-ChildItem -LiteralPath $accounts | ForEach-Object { $_.GetValue('UserFolder') } | Where-Object { $_ } })
    $shell = Get-Item -LiteralPath ("$hive\" + '${USER_SHELL_FOLDERS}') -ErrorAction SilentlyContinue
    if ($shell) { foreach ($n in @('Desktop', 'Personal', 'My Pictures')) { $v = $shell.GetValue($n, $null, 'DoNotExpandEnvironmentNames'); if ($v) { $entry[$n] = $v } } }
  }
  $entry }) } }
# OneDrive's "Silently move Windows known folders to OneDrive" policy (KFMSilentOptIn = the tenant id), which
# Windows' own backup settings build on; the per-folder values are copied as set.
$out.oneDrivePolicy = Section { Reg '${ONEDRIVE_POLICY_KEY}' @('KFMSilentOptIn', 'KFMSilentOptInDesktop', 'KFMSilentOptInDocuments', 'KFMSilentOptInPictures', 'KFMBlockOptOut') }
# Backup agents scheduled from their own console: the service of an installed agent, as Get-Service reports it.
$out.backupAgents = Section { [ordered]@{ items = @(Get-Service -Name @(${BACKUP_AGENT_NAMES}) -ErrorAction SilentlyContinue | ForEach-Object {
  [ordered]@{ name = $_.Name; status = "$($_.Status)"; startType = "$($_.StartType)" } }) } }
# Hardware inventory from the SMBIOS tables through CIM (what systeminformation reads on Windows too).
$out.hardware = Section { $cs = Get-CimInstance Win32_ComputerSystem; $bios = Get-CimInstance Win32_BIOS
  [ordered]@{ manufacturer = $cs.Manufacturer; model = $cs.Model; serial = $bios.SerialNumber } }
$out.timeService = Section { $s = Get-Service W32Time; [ordered]@{ status = "$($s.Status)"; startType = "$($s.StartType)" } }
# W32Time is trigger-started on most clients: "Stopped" between synchronisations is normal when a start trigger
# or the SynchronizeTime task brings it back; Parameters\Type NoSync means it never synchronises.
$out.timeTriggers = Section {
  $starts = 0
  if (Test-Path -LiteralPath '${W32TIME_KEY}\TriggerInfo') {
    foreach ($t in Get-ChildItem -LiteralPath '${W32TIME_KEY}\TriggerInfo') { if ((Get-ItemProperty -LiteralPath $t.PSPath).Action -eq 1) { $starts++ } }
  }
  $type = (Get-ItemProperty -LiteralPath '${W32TIME_KEY}\Parameters').Type
  $task = Get-ScheduledTask -TaskPath '\Microsoft\Windows\Time Synchronization\' -TaskName 'SynchronizeTime' -ErrorAction SilentlyContinue
  [ordered]@{ startTriggers = $starts; ntpType = $type; syncTaskState = $(if ($task) { "$($task.State)" } else { $null }) }
}
# A missing service is $null here, in every display language (the error text would be translated).
$out.sshd = Section { $s = Get-Service -Name sshd -ErrorAction SilentlyContinue
  if ($null -eq $s) { [ordered]@{ installed = $false } } else { [ordered]@{ installed = $true; status = "$($s.Status)"; startType = "$($s.StartType)" } } }
$json = $out | ConvertTo-Json -Depth 8 -Compress
# Windows PowerShell 5.1 writes to a pipe in the console's OEM code page (850 on a German host, 437 in the US);
# PowerShell 7 in UTF-8. Pure ASCII reads the same in all of them: names with umlauts or accents travel as
# JSON \u escapes.
[regex]::Replace($json, '[^\x00-\x7F]', [System.Text.RegularExpressions.MatchEvaluator]{ param($m) '\u{0:x4}' -f [int][char]$m.Value })
`;

/** powershell.exe arguments: -EncodedCommand takes UTF-16LE base64, which sidesteps every quoting rule. */
export function powershellArgs(script: string = POSTURE_SCRIPT): string[] {
  return [
    "-NoProfile",
    "-NonInteractive",
    "-ExecutionPolicy",
    "Bypass",
    "-EncodedCommand",
    Buffer.from(script, "utf16le").toString("base64"),
  ];
}
