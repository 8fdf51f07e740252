#!/bin/sh
# The one step that must run on a Mac: turn this folder into a signed, installable .pkg.
#   sh build-pkg.sh [version] ["Developer ID Application: …"] ["Developer ID Installer: …"]
# Re-signing the executable is required: injecting the agent into Node's binary invalidates Node's signature
# (ad hoc "-" is enough for local tests; Apple silicon refuses unsigned code, Gatekeeper wants Developer ID).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
version=${1:-0.0.0}
app_identity=${2:--}
exe="$here/payload/Library/Application Support/Assay/bin/assay-agent"
codesign --remove-signature "$exe" 2>/dev/null || true
codesign --sign "$app_identity" --options runtime --timestamp=none "$exe"
set -- --root "$here/payload" --scripts "$here/scripts" --identifier com.assay.agent --version "$version" \
  --install-location / "$here/../assay-agent-$version.pkg"
if [ -n "${3:-}" ]; then pkgbuild --sign "$3" "$@"; else pkgbuild "$@"; fi
echo "built $here/../assay-agent-$version.pkg"
