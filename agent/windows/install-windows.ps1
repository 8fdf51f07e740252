<#
.SYNOPSIS
  Install (or upgrade) the Assay agent as a scheduled task running as SYSTEM. Run elevated from the unpacked
  bundle folder, e.g. as an Intune Win32 app install command or a platform script:
    powershell -ExecutionPolicy Bypass -File install-windows.ps1 -StoreUrl https://assay.example.com -EnrolmentSecret ...
  Needs Node.js >= 20.19 (the nodejs.org MSI; deploy it first). Config and state are kept on upgrade.
.PARAMETER Uninstall
  Remove the task and program files; keeps C:\ProgramData\Assay (identity and unsent reports).
#>
[CmdletBinding()]
param(
  [string]$StoreUrl,
  [string]$EnrolmentSecret,
  [string]$Group,
  [string]$NodePath = "$env:ProgramFiles\nodejs\node.exe",
  [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'
$home_ = Join-Path $env:ProgramFiles 'Assay'
$data = Join-Path $env:ProgramData 'Assay'
$taskPath = '\Assay\'
$taskName = 'Assay Agent'

if ($Uninstall) {
  Unregister-ScheduledTask -TaskPath $taskPath -TaskName $taskName -Confirm:$false -ErrorAction SilentlyContinue
  Remove-Item -Recurse -Force $home_ -ErrorAction SilentlyContinue
  Write-Output "assay: agent removed; $data kept"
  return
}
if (-not $StoreUrl) { throw 'assay: -StoreUrl is required' }
if (-not (Test-Path $NodePath)) { throw "assay: Node.js not found at $NodePath" }
$version = [Version](& $NodePath -p 'process.versions.node')
if ($version -lt [Version]'20.19.0') { throw "assay: Node.js >= 20.19 is required (found $version)" }

New-Item -ItemType Directory -Force -Path $home_, $data, (Join-Path $data 'logs') | Out-Null
# Only SYSTEM and Administrators may read the state (identity token, signing key) and the secret.
$acl = New-Object System.Security.AccessControl.DirectorySecurity
$acl.SetAccessRuleProtection($true, $false)
foreach ($sid in 'S-1-5-18', 'S-1-5-32-544') {
  $id = New-Object System.Security.Principal.SecurityIdentifier $sid
  $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule $id, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow'))
}
Set-Acl -Path $data -AclObject $acl

Copy-Item -Force (Join-Path $PSScriptRoot 'assay-agent.mjs') $home_
if (Test-Path (Join-Path $home_ 'rules')) { Remove-Item -Recurse -Force (Join-Path $home_ 'rules') }
Copy-Item -Recurse (Join-Path $PSScriptRoot 'rules') (Join-Path $home_ 'rules')

$config = Join-Path $data 'agent.yaml'
if (-not (Test-Path $config)) {
  $yaml = (Get-Content -Raw (Join-Path $PSScriptRoot 'agent.example.yaml')) -replace 'https://assay.example.com', $StoreUrl
  $yaml = $yaml -replace '  # file: C:\\ProgramData\\Assay\\logs\\agent.log', '  file: C:\ProgramData\Assay\logs\agent.log'
  if ($Group) { $yaml = $yaml -replace 'group: laptops', "group: $Group" }
  Set-Content -Path $config -Value $yaml -Encoding UTF8
}
if ($EnrolmentSecret -and -not (Test-Path (Join-Path $data 'state\identity.json'))) {
  Set-Content -Path (Join-Path $data 'enrolment-secret') -Value $EnrolmentSecret -Encoding ASCII -NoNewline
}

$xml = (Get-Content -Raw (Join-Path $PSScriptRoot 'assay-agent-task.xml')).Replace('__NODE__', $NodePath).Replace('__HOME__', $home_)
Unregister-ScheduledTask -TaskPath $taskPath -TaskName $taskName -Confirm:$false -ErrorAction SilentlyContinue
Register-ScheduledTask -TaskPath $taskPath -TaskName $taskName -Xml $xml | Out-Null
Start-ScheduledTask -TaskPath $taskPath -TaskName $taskName
Write-Output "assay: agent installed; logs: $data\logs\agent.log"
