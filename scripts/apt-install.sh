#!/bin/sh
# apt_install PACKAGE...: install Debian packages with apt-get (sudo when not root). Sourced by
# the install-*.sh scripts; nothing is ever downloaded any other way.
apt_install() {
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "$@"
}
