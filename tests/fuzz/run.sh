#!/bin/sh
# Build the libFuzzer targets with clang (ASan+UBSan) in build-fuzz/ and run
# every executable named fuzz_* found there for FUZZ_SECONDS (default 30)
# each, JOBS (default: the number of CPUs) at a time, starting from tests/fuzz/corpus/<target>/ when it exists (copied,
# so runs do not grow the committed corpus).  Fails if any target crashes.
# Called by scripts/test.sh's 'fuzz' stage; generic: drop a new target in
# tests/fuzz/meson.build and it is picked up.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-30}
JOBS=${JOBS:-$(nproc)}

if [ -f "$BUILD/build.ninja" ]; then
	meson setup --reconfigure "$BUILD" >/dev/null
else
	CC=clang meson setup "$BUILD" -Dfuzz=true \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$BUILD" -j "$JOBS"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# One target: its own corpus copy, log and artifact prefix; the exit
# status goes to $work/<name>.rc.
one() {
	exe=$1
	name=$(basename "$exe")
	mkdir -p "$work/$name"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -r "tests/fuzz/corpus/$name/." "$work/$name/"
	fi
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$exe" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="$work/$name-" -print_final_stats=1 \
	    "$work/$name" >"$work/$name.log" 2>&1 || rc=$?
	echo "$rc" >"$work/$name.rc"
}

# $JOBS targets at a time (one per core), then the results in order.
targets=$(find "$BUILD/tests" -type f -name 'fuzz_*' -perm -u+x | sort)
failed=""
found=0
running=0
for exe in $targets; do
	found=$((found + 1))
	echo "fuzz: $(basename "$exe") for ${SECS}s"
	one "$exe" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait
		running=0
	fi
done
wait
for exe in $targets; do
	name=$(basename "$exe")
	if [ "$(cat "$work/$name.rc" 2>/dev/null || echo 1)" = 0 ]; then
		echo "fuzz: $name:"
		tail -n 3 "$work/$name.log"
	else
		echo "fuzz: $name FAILED" >&2
		tail -n 60 "$work/$name.log" >&2
		mkdir -p "$ROOT/$BUILD/fuzz-artifacts"
		cp "$work/$name"-* "$ROOT/$BUILD/fuzz-artifacts/" \
		    2>/dev/null || true
		failed="$failed $name"
	fi
done
echo "fuzz: $found target(s) run; failed:${failed:- none}"
[ "$found" -gt 0 ] && [ -z "$failed" ]
