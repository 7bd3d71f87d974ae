# licensing.windows collector schema=1
# Read by the license_facts action plugin and sent as ONE encoded command, so it must stay under the
# Windows command-line limit (about 3,000 characters once comments are counted). Comments are kept short.
# Prints one JSON document (docs/architecture.md); a failing class is recorded in "errors", not fatal.
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'
# [Console]::Error is lost over psrp (the host process's console): the message also goes to the output stream.
if ($PSVersionTable.PSVersion.Major -lt 5) { $m = "licensing.windows: Windows PowerShell 5.1 is required, this host has $($PSVersionTable.PSVersion)"; [Console]::Error.WriteLine($m); Write-Output $m; exit 3 }
$r = [ordered]@{ schema = 1; os = $null; edition_id = $null; service = $null; products = @(); errors = @() }
# CIM errors carry the WMI/Win32 code in ErrorData.error_Code; other exceptions only have HResult.
function E($s, $x) { $h = $x.HResult; if ($x.ErrorData) { $v = $x.ErrorData.CimInstanceProperties['error_Code'].Value; if ($v) { $h = [int64]$v } }; $script:r.errors += [ordered]@{ source = $s; hresult = '0x{0:X8}' -f $h; message = "$($x.Message)".Trim() } }
function Q($w) {
$c = $w -replace '^SELECT .+ FROM (\w+).*$', '$1'
try { @(Get-CimInstance -Query $w | Select-Object -Property ($w -replace '^SELECT (.+) FROM .*$', '$1' -split ',')) } catch { E $c $_.Exception; $null }
}
$o = Q 'SELECT Caption,Version,BuildNumber,ProductType,OperatingSystemSKU FROM Win32_OperatingSystem'
if ($o) { $r.os = $o[0] }
$s = Q 'SELECT Version,ClientMachineID,KeyManagementServiceMachine,KeyManagementServicePort,DiscoveredKeyManagementServiceMachineName,DiscoveredKeyManagementServiceMachinePort,IsKeyManagementServiceMachine,VLActivationInterval,VLRenewalInterval,OA3xOriginalProductKey,OA3xOriginalProductKeyDescription FROM SoftwareLicensingService'
if ($s) {
$s = $s[0]; $k = [string]$s.OA3xOriginalProductKey
# The firmware key is a full product key: only its last five characters leave the host.
$s.PSObject.Properties.Remove('OA3xOriginalProductKey')
$s | Add-Member -NotePropertyName OA3xOriginalProductKeyPartial -NotePropertyValue $(if ($k.Length -ge 5) { $k.Substring($k.Length - 5) } else { $null })
$r.service = $s
}
$p = Q "SELECT ID,Name,Description,ApplicationID,LicenseFamily,ProductKeyChannel,PartialProductKey,ProductKeyID,LicenseStatus,LicenseStatusReason,GracePeriodRemaining,EvaluationEndDate,GenuineStatus,LicenseIsAddon,LicenseDependsOn,VLActivationType,VLActivationTypeEnabled,VLActivationInterval,VLRenewalInterval,KeyManagementServiceMachine,KeyManagementServicePort,DiscoveredKeyManagementServiceMachineName,DiscoveredKeyManagementServiceMachinePort,DiscoveredKeyManagementServiceMachineIpAddress,KeyManagementServiceLookupDomain,IsKeyManagementServiceMachine,ADActivationObjectName,ADActivationObjectDN,TokenActivationILVID,IAID,AutomaticVMActivationHostMachineName,AutomaticVMActivationLastActivationTime FROM SoftwareLicensingProduct WHERE ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"
if ($p) { $r.products = $p }
try { $r.edition_id = (Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name EditionID).EditionID } catch { E 'Registry' $_.Exception }
$r | ConvertTo-Json -Compress -Depth 4
