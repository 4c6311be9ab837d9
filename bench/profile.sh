#!/usr/bin/env bash
# Profiles `postpolicy compile --all` over the comparison's generated profiles with perf, and
# prints where the time goes, stage by stage.
#
#   bench/profile.sh
#
# postpolicy is built with frame pointers and debug information into its own target folder in
# the scratch folder, so the project's build is left alone. The run is sampled RUNS times and
# the samples are summed up by bench/perf_summary.py.
#
#   POSTPOLICY_BENCH_DIR    scratch folder (default /tmp/postpolicy-bench)
#   POSTPOLICY_BENCH_COUNT  profiles (default 10000)
#   POSTPOLICY_PROFILE_RUNS sampled runs (default 8)

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO
readonly SCRATCH="${POSTPOLICY_BENCH_DIR:-/tmp/postpolicy-bench}"
readonly COUNT="${POSTPOLICY_BENCH_COUNT:-10000}"
readonly RUNS="${POSTPOLICY_PROFILE_RUNS:-8}"
readonly NOW="2026-12-03T18:00:00Z"
readonly PROFILES="$SCRATCH/profiles-perf"
readonly TARGET="$SCRATCH/target-profile"
readonly SAMPLES="$SCRATCH/perf"

export AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE"
export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE

step() {
    printf '\n==> %s\n' "$*" >&2
}

die() {
    printf 'profile.sh: %s\n' "$*" >&2
    exit 1
}

install_perf() {
    if command -v perf >/dev/null 2>&1 && perf --version >/dev/null 2>&1; then
        return
    fi
    step "installing perf from apt (linux-perf)"
    command -v apt-get >/dev/null 2>&1 || die "perf is missing; install it for your kernel"
    [[ "$(id -u)" == 0 ]] || die "perf is missing; run \`apt-get install linux-perf\` as root"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
}

main() {
    command -v cargo >/dev/null 2>&1 || die "cargo is needed"
    install_perf

    step "building postpolicy with frame pointers into $TARGET"
    (cd "$REPO" && RUSTFLAGS="-C force-frame-pointers=yes" CARGO_PROFILE_RELEASE_DEBUG=true \
        CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet)

    step "generating $COUNT profiles into $PROFILES"
    python3 "$REPO/bench/gen_profiles.py" "$COUNT" "$PROFILES" "$SCRATCH/specs-perf.json"

    step "sampling $RUNS runs of compile --all"
    rm -rf "$SAMPLES"
    mkdir -p "$SAMPLES"
    for run in $(seq "$RUNS"); do
        perf record --quiet -F 20000 -g -o "$SAMPLES/$run.data" \
            "$TARGET/release/postpolicy" --policies "$PROFILES" compile --all --now "$NOW" \
            >"$SAMPLES/bundles.json" 2>"$SAMPLES/$run.stderr" ||
            die "perf record failed (see $SAMPLES/$run.stderr); is perf_event_paranoid too high?"
    done

    step "where the time goes"
    for run in $(seq "$RUNS"); do
        perf script -i "$SAMPLES/$run.data" -F comm,ip,sym,dso 2>/dev/null
        echo
    done | python3 "$REPO/bench/perf_summary.py"
}

main "$@"
