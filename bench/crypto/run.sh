#!/bin/sh
# bench/crypto/run.sh: the crypto engine benchmark in one run, beside the
# raw ceilings of the same crypto on the same machine:
#   1. bench_xform: every engine and algorithm through xform_process_burst()
#      (1 core, bursts of 32, 64/512/1420 bytes and IMIX, enc and dec);
#   2. openssl speed -evp aes-128-gcm / chacha20-poly1305 (OpenSSL EVP raw);
#   3. dpdk-test-crypto-perf (Debian package dpdk-dev) on crypto_aesni_mb and
#      crypto_openssl, AES-128-GCM encrypt, bursts of 32, same sizes.
# Usage: bench/crypto/run.sh [build-dir]   (default: build; needs a built
# tree: meson setup build && ninja -C build).  Takes about a minute.
# Environment: BURSTS (bench_xform bursts per point, default 10000).
set -eu
cd "$(dirname "$0")/../.."
B=${1:-build}
BURSTS=${BURSTS:-10000}
EAL="--no-huge --no-pci --no-shconf --file-prefix=dpsec-bench-$$ \
--log-level=lib.eal:error --log-level=lib.cryptodev:error"

echo "### bench/crypto/run.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r)"
echo "### git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
grep -m1 'model name' /proc/cpuinfo
echo "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "### 1. bench_xform (crypto only through the xform API, hot cache: 32 packets reused)"
"$B/bench/crypto/bench_xform" $EAL -m 256 -l 0 \
    --vdev crypto_aesni_mb --vdev crypto_openssl -- -n "$BURSTS" 2>&1 |
    grep -v '^xform:\|^TELEMETRY'
echo

echo "### 2. openssl speed -evp (raw EVP, one call per buffer; mean figures: compare under low load only)"
openssl version
for a in aes-128-gcm aes-256-gcm chacha20-poly1305; do
	openssl speed -evp $a -seconds 1 2>/dev/null | tail -1
	for s in 64 512 1420; do
		openssl speed -evp $a -seconds 1 -bytes $s 2>/dev/null | tail -1
	done
done
echo

echo "### 3. dpdk-test-crypto-perf (raw cryptodev, 1 worker lcore, burst 32, pool 1024; mean figures: compare under low load only)"
if command -v dpdk-test-crypto-perf >/dev/null; then
	for dev in crypto_aesni_mb crypto_openssl; do
		echo "# $dev aes-128-gcm encrypt"
		dpdk-test-crypto-perf $EAL -m 512 -l 0,1 --vdev $dev -- \
		    --ptest throughput --devtype $dev --optype aead \
		    --aead-algo aes-gcm --aead-op encrypt --aead-key-sz 16 \
		    --aead-iv-sz 12 --aead-aad-sz 8 --digest-sz 16 \
		    --buffer-sz 64,512,1420 --burst-sz 32 --pool-sz 1024 \
		    --total-ops 2000000 --silent 2>&1 |
		    grep -E 'lcore id|^ +[0-9]+ +[0-9]+ ' || true
	done
	echo "# crypto_aesni_mb chacha20-poly1305 encrypt"
	dpdk-test-crypto-perf $EAL -m 512 -l 0,1 --vdev crypto_aesni_mb -- \
	    --ptest throughput --devtype crypto_aesni_mb --optype aead \
	    --aead-algo chacha20-poly1305 --aead-op encrypt --aead-key-sz 32 \
	    --aead-iv-sz 12 --aead-aad-sz 8 --digest-sz 16 \
	    --buffer-sz 64,512,1420 --burst-sz 32 --pool-sz 1024 \
	    --total-ops 1000000 --silent 2>&1 |
	    grep -E 'lcore id|^ +[0-9]+ +[0-9]+ ' || true
else
	echo "dpdk-test-crypto-perf missing (Debian package dpdk-dev)"
fi
