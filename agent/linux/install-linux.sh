#!/bin/sh
# Install the Assay agent on Linux (systemd). Run as root from the unpacked bundle folder (dist/bundle):
#   ASSAY_STORE_URL=https://assay.example.com ASSAY_ENROLMENT_SECRET=... sh install-linux.sh
# Needs Node.js >= 20.19 at /usr/bin/node. Safe to run again (upgrades the bundle, keeps config and state).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${ASSAY_STORE_URL:?set ASSAY_STORE_URL}"
node_version=$(/usr/bin/node -p 'process.versions.node' 2>/dev/null || true)
case "$node_version" in
  2[0-9].*|[3-9][0-9].*) ;;
  *) echo "assay: Node.js >= 20.19 is required at /usr/bin/node (found: ${node_version:-none})" >&2; exit 1 ;;
esac

install -d -m 0755 /opt/assay
install -m 0644 "$here/assay-agent.mjs" /opt/assay/assay-agent.mjs
rm -rf /opt/assay/rules && cp -R "$here/rules" /opt/assay/rules
install -d -m 0700 /etc/assay /var/lib/assay
if [ ! -f /etc/assay/agent.yaml ]; then
  sed -e "s#https://assay.example.com#${ASSAY_STORE_URL}#" "$here/agent.example.yaml" > /etc/assay/agent.yaml
  chmod 0600 /etc/assay/agent.yaml
fi
if [ -n "${ASSAY_ENROLMENT_SECRET:-}" ] && [ ! -f /var/lib/assay/identity.json ]; then
  umask 077
  printf '%s\n' "$ASSAY_ENROLMENT_SECRET" > /etc/assay/enrolment-secret
fi
install -m 0644 "$here/assay-agent.service" /etc/systemd/system/assay-agent.service
systemctl daemon-reload
systemctl enable --now assay-agent.service
systemctl restart assay-agent.service
echo "assay: agent installed; logs: journalctl -u assay-agent"
