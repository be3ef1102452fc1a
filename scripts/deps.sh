#!/usr/bin/env bash
# Installs the Debian packages Rudder needs when they are missing. Runs as
# root on a fresh Debian machine (the README's first command relies on it).
set -euo pipefail

need=()
command -v go >/dev/null || { echo "Go is required (expected at /usr/local/go/bin)"; exit 1; }
command -v kubectl >/dev/null || need+=(kubectl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing packages ${need[*]}: run as root"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi
