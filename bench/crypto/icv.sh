#!/bin/sh
# bench/crypto/icv.sh: cost of comparing inbound ICVs in constant time
# (issue 5) on crypto_aesni_mb, old and new paths in the same run:
#   1. bench_xform -i: decrypt through xform_process_burst() with the PMD
#      comparing (aesni_mb+pmd, XFORM_F_PMD_VERIFY = crypto-icv-verify pmd,
#      the path before), without it (aesni_mb+ct) and on the engine the
#      default picks for an inbound session (default-in(NAME));
#   2. bench_esp: ESP decapsulation on aesni_mb, default vs
#      "mb+pmd-verify", for AES-128-GCM and AES-128-CBC+HMAC-SHA256.
# Usage: bench/crypto/icv.sh [build-dir]   (default: build)
# Environment: BURSTS (default 10000).
set -eu
cd "$(dirname "$0")/../.."
B=${1:-build}
BURSTS=${BURSTS:-10000}
EAL="--no-huge --no-pci --no-shconf --file-prefix=dpsec-icv-$$ \
--log-level=lib.eal:error --log-level=lib.cryptodev:error"

echo "### bench/crypto/icv.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
first=1
for a in aes-128-gcm aes-256-gcm chacha20-poly1305 aes-128-gmac \
    aes-128-cbc+sha1 aes-128-cbc+sha256 aes-128-ctr+sha256 null+sha256; do
	"$B/bench/crypto/bench_xform" $EAL -m 256 -l 0 \
	    --vdev crypto_aesni_mb --vdev crypto_openssl -- \
	    -n "$BURSTS" -i -a "$a" 2>&1 |
	    grep -v '^xform:\|^TELEMETRY' |
	    if [ $first = 1 ]; then cat; else grep ' dec '; fi
	first=0
done
echo
for a in aes-128-gcm aes-128-cbc+sha256; do
	"$B/bench/ipsec/bench_esp" "$BURSTS" "$a" cdev-aesni_mb 2>&1 |
	    grep -v '^xform\|CRYPTODEV'
done
