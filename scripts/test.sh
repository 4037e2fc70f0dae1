#!/bin/sh
# The whole test suite from nothing (README's second command; .ci/run calls
# exactly this):
#   1. install the Debian packages (scripts/setup.sh, idempotent);
#   2. build with -Werror and run every suite (unit, stress, integration,
#      interop);
#   3. rebuild with ASan+UBSan and run every suite again;
#   4. rebuild with TSan and run the concurrency ('stress') suite;
#   5. 'noimb': build without intel-ipsec-mb (-Dipsec_mb=disabled, the
#      fallback engines for inbound AEAD) and run the unit suite;
#   6. build the libFuzzer targets with clang and run each for a bounded
#      time (FUZZ_SECONDS, default 30; one target per CPU at a time).
# Environment: STAGES (default "plain asan tsan noimb fuzz") selects stages.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)

./scripts/setup.sh

STAGES=${STAGES:-"plain asan tsan noimb fuzz"}
JOBS=${JOBS:-$(nproc)}
export MESON_TESTTHREADS=${MESON_TESTTHREADS:-2}
failed_stages=""
passed_stages=""

configure() {
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" -j "$JOBS"
}

# Count results of the last meson test run in $1.
tally() {
	/usr/bin/python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = fail = skip = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"): ok += 1
        elif r == "SKIP": skip += 1
        else: fail += 1
except FileNotFoundError:
    pass
print(f"{ok} {fail} {skip}")
PY
}

total_ok=0
total_fail=0
total_skip=0

stage() {
	name=$1
	dir=$2
	shift 2
	echo "=== stage $name ($dir) ==="
	rc=0
	meson test -C "$dir" --print-errorlogs "$@" || rc=$?
	set -- $(tally "$dir")
	total_ok=$((total_ok + $1))
	total_fail=$((total_fail + $2))
	total_skip=$((total_skip + $3))
	if [ $rc -eq 0 ]; then
		passed_stages="$passed_stages $name"
	else
		failed_stages="$failed_stages $name"
	fi
}

for s in $STAGES; do
	case $s in
	plain)
		configure build -Dwerror=true
		stage plain build
		;;
	asan)
		configure build-asan -Dwerror=true -Db_sanitize=address,undefined \
		    -Db_lundef=false -Dbuildtype=debug
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		    stage asan build-asan --timeout-multiplier 4
		;;
	tsan)
		configure build-tsan -Dwerror=true -Db_sanitize=thread \
		    -Db_lundef=false -Dbuildtype=debugoptimized
		TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		    stage tsan build-tsan --suite stress --timeout-multiplier 4
		;;
	noimb)
		configure build-noimb -Dwerror=true -Dipsec_mb=disabled
		stage noimb build-noimb --suite unit
		;;
	fuzz)
		if [ -f tests/fuzz/run.sh ]; then
			echo "=== stage fuzz ==="
			if sh tests/fuzz/run.sh; then
				passed_stages="$passed_stages fuzz"
			else
				failed_stages="$failed_stages fuzz"
			fi
		fi
		;;
	*)
		echo "test.sh: unknown stage '$s'" >&2
		exit 2
		;;
	esac
done

echo "=== dpsec test summary: $total_ok passed, $total_fail failed, $total_skip skipped (meson tests over all stages)"
echo "=== stages passed:${passed_stages:- none}; failed:${failed_stages:- none}"
[ -z "$failed_stages" ]
