#!/bin/sh
# dpsecd's command line: --help documents the options and every config
# directive; --check validates a config without EAL; a bad config or a
# missing device makes dpsecd refuse to start with "file:line: problem".
set -eu
B=${DPSEC_BUILD:?}
D=$B/src/dpsecd
T=$(mktemp -d /tmp/dpsec-cli.XXXXXX)
PFX=dpsec-cli-$$
trap 'rm -rf "$T" "/var/run/dpdk/$PFX"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$D" --help >"$T/help" || fail "--help exit status"
for w in "-c, --config FILE" "--check" "--stats-json" "--no-huge" \
    "  port NAME" "  route PREFIX" "  neighbor ADDR" "  workers N" \
    "  idle busy-poll" "  mbufs N" "  mbuf-cache N" "  rx-desc N" \
    "  tx-desc N" "  route-max N" "  route-table" "  neighbor-max N" \
    "  exception-ring N" "  arp-retry-ms" "  arp-retries" \
    "  control-socket PATH" "  device DEV" "  role protected|unprotected" \
    "  address ADDR/LEN" "  mtu N" "  rx-queues N" "  tx-queues N" \
    "  mbufs N" "  promiscuous" "  mac XX" "  tap IFNAME" "  tap-addresses" \
    "/dpsec/stats"; do
	grep -qF -- "$w" "$T/help" || fail "--help does not mention '$w'"
done

cat >"$T/good.conf" <<'C'
port p device net_null0 role protected address 10.9.0.1/24
port q device net_null1 role unprotected
C
out=$("$D" --check -c "$T/good.conf") || fail "--check good: $out"
[ "$out" = "$T/good.conf: ok" ] || fail "--check says '$out'"

printf 'port p device net_null0 role protected\nbogus 1\n' >"$T/bad.conf"
if "$D" --check -c "$T/bad.conf" 2>"$T/err"; then fail "--check bad passed"; fi
grep -qxF "dpsecd: $T/bad.conf:2: unknown directive 'bogus'" "$T/err" ||
    fail "--check bad: $(cat "$T/err")"

EAL="-l 0-1 --no-huge --no-pci -m 64 --file-prefix $PFX --no-telemetry --log-level error"
# shellcheck disable=SC2086
if "$D" $EAL -- -c "$T/bad.conf" >"$T/out" 2>&1; then fail "started on a bad config"; fi
grep -qF "$T/bad.conf:2: unknown directive 'bogus'" "$T/out" ||
    fail "bad config at start: $(cat "$T/out")"

printf '# x\nport p device net_nosuchpmd0 role protected\n' >"$T/nodev.conf"
# shellcheck disable=SC2086
if "$D" $EAL -- -c "$T/nodev.conf" >"$T/out" 2>&1; then fail "started without device"; fi
grep -qF "$T/nodev.conf:2: port p: cannot find or probe device" "$T/out" ||
    fail "missing device: $(cat "$T/out")"

# shellcheck disable=SC2086
if "$D" $EAL -- >"$T/out" 2>&1; then fail "started without -c"; fi
grep -qF -- "-c FILE is required" "$T/out" || fail "no -c: $(cat "$T/out")"

# A good config on net_null ports starts and stops cleanly on SIGTERM.
# shellcheck disable=SC2086
"$D" $EAL -- -c "$T/good.conf" >"$T/out" 2>&1 &
pid=$!
i=0
until grep -q "dpsecd: running" "$T/out"; do
	i=$((i + 1))
	[ $i -lt 300 ] || { kill $pid; fail "did not start: $(cat "$T/out")"; }
	sleep 0.1
done
sleep 0.3
kill -TERM $pid
wait $pid || fail "exit status $? on SIGTERM: $(cat "$T/out")"
grep -q "^dpsecd counters" "$T/out" || fail "no counters printed on exit"
grep -q "l2_otherhost" "$T/out" || fail "net_null frames not counted"
echo "ok"
