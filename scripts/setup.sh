#!/bin/sh
# Install every Debian 12 package dpsec needs to build, test, run the demo
# and the benchmarks.  Idempotent: packages already present are skipped and
# apt-get is not run at all when nothing is missing.  Must run as root (or
# with sudo available) on Debian 12 "bookworm".
set -eu

PKGS="build-essential pkg-config meson ninja-build
libdpdk-dev dpdk dpdk-dev libssl-dev libsodium-dev libcmocka-dev libpcap-dev libnuma-dev
libbsd-dev libelf-dev libjansson-dev libarchive-dev
python3 python3-scapy tshark iproute2 iputils-ping procps ethtool
clang libclang-rt-14-dev llvm
gnuplot-nox valgrind linux-perf"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		SUDO="sudo"
	fi
	echo "setup: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "setup: all packages present"
