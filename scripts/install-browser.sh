#!/bin/sh
# Install the browser the end-to-end tests drive: Debian's chromium and chromium-driver.
# Only apt-get is used; no browser is ever downloaded any other way (never `playwright install`).
set -eu
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
. "$(dirname "$0")/apt-install.sh"
apt_install chromium chromium-driver
/usr/bin/chromium --version
