#!/bin/sh
# Install the browser the end-to-end tests drive: Debian's chromium and chromium-driver.
# Only apt-get is used; no browser is ever downloaded any other way (never `playwright install`).
set -eu
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium chromium-driver
/usr/bin/chromium --version
