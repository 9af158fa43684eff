#!/bin/sh
# Install the Java runtime Spark needs (for the entity model on Spark and its tests): Debian's
# default headless JRE. pyspark itself comes from the project's own dependencies.
set -eu
if command -v java >/dev/null 2>&1; then
    echo "java already installed: $(java -version 2>&1 | head -1)"
    exit 0
fi
. "$(dirname "$0")/apt-install.sh"
apt_install default-jre-headless
java -version
