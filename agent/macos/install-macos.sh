#!/bin/sh
# Install the Assay agent on macOS (launchd daemon). Run as root, e.g. as a Jamf policy script, from the
# unpacked bundle folder:
#   ASSAY_STORE_URL=https://assay.example.com ASSAY_ENROLMENT_SECRET=... sh install-macos.sh
# Needs Node.js >= 20.19 at /usr/local/bin/node (the nodejs.org installer; deploy it first with your MDM).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${ASSAY_STORE_URL:?set ASSAY_STORE_URL}"
home="/Library/Application Support/Assay"
plist=/Library/LaunchDaemons/com.assay.agent.plist
/usr/local/bin/node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "assay: Node.js >= 20.19 is required at /usr/local/bin/node" >&2; exit 1; }

install -d -m 0755 "$home" "$home/bin"
install -d -m 0700 "$home/state" /Library/Logs/Assay
install -m 0644 "$here/assay-agent.mjs" "$home/bin/assay-agent.mjs"
rm -rf "$home/bin/rules" && cp -R "$here/rules" "$home/bin/rules"
if [ ! -f "$home/agent.yaml" ]; then
  sed -e "s#https://assay.example.com#${ASSAY_STORE_URL}#" "$here/agent.example.yaml" > "$home/agent.yaml"
  chmod 0600 "$home/agent.yaml"
fi
if [ -n "${ASSAY_ENROLMENT_SECRET:-}" ] && [ ! -f "$home/state/identity.json" ]; then
  umask 077
  printf '%s\n' "$ASSAY_ENROLMENT_SECRET" > "$home/enrolment-secret"
fi
install -m 0644 -o root -g wheel "$here/com.assay.agent.plist" "$plist"
launchctl bootout system "$plist" 2>/dev/null || true
launchctl bootstrap system "$plist"
echo "assay: agent installed; logs: /Library/Logs/Assay/agent.log"
