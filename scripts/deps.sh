#!/usr/bin/env bash
# Installs the Debian packages Rudder needs when they are missing. Runs as
# root on a fresh Debian machine (the README's first command relies on it).
set -euo pipefail

need=()
command -v go >/dev/null || { echo "Go is required (expected at /usr/local/go/bin)"; exit 1; }
command -v kubectl >/dev/null || need+=(kubectl)

# The node agent's container runtime and pod network. Checked by the binary
# each package installs, so a machine that has them from elsewhere is left
# alone.
while read -r path pkg; do
  [ -e "$path" ] || need+=("$pkg")
done <<'LIST'
/usr/bin/containerd containerd
/usr/sbin/runc runc
/usr/lib/cni/bridge containernetworking-plugins
/bin/busybox busybox-static
/usr/sbin/nft nftables
/sbin/ip iproute2
/usr/sbin/iptables iptables
LIST

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing packages ${need[*]}: run as root"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi
