#!/usr/bin/env bash
# Times postpolicy against the usual ways of making S3 browser-POST policies, on this machine,
# in one run, and prints a table of times and ratios.
#
#   bench/compare.sh [--skip-criterion]
#
# Each tool makes the same bundles for COUNT generated profiles shaped like `images-only`
# (policies/images.toml) and writes them as one JSON file:
#
#   postpolicy   `postpolicy compile --all` over COUNT profiles in TOML: one process
#   boto3        `generate_presigned_post` in one Python process
#   sdk          the JavaScript SDK's `createPresignedPost` in one Node process (signs locally)
#   recipe       the classic Node recipe: hand-built policy, base64, `createHmac("sha1")`
#
# Totals are the wall clock of the whole process, start included, best of RUNS runs (timed by
# hyperfine); the peers also report their in-process loop. A single cold
# `postpolicy compile images-only` over policies/ is timed COLD_RUNS times. Unless
# --skip-criterion is given, `cargo bench --bench compile` runs too, for the in-process lines.
#
# Everything installed goes to the scratch folder and is reused by the next run:
#   POSTPOLICY_BENCH_DIR    scratch folder (default /tmp/postpolicy-bench)
#   POSTPOLICY_BENCH_COUNT  profiles and bundles (default 10000)
#   POSTPOLICY_BENCH_RUNS   runs of each tool (default 5)
#   POSTPOLICY_BENCH_COLD_RUNS  runs of the cold compile (default 50)

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO
readonly SCRATCH="${POSTPOLICY_BENCH_DIR:-/tmp/postpolicy-bench}"
readonly COUNT="${POSTPOLICY_BENCH_COUNT:-10000}"
readonly RUNS="${POSTPOLICY_BENCH_RUNS:-5}"
readonly COLD_RUNS="${POSTPOLICY_BENCH_COLD_RUNS:-50}"
readonly NOW="2026-12-03T18:00:00Z"

readonly VENV="$SCRATCH/venv"
readonly NODE_DIR="$SCRATCH/node"
readonly PROFILES="$SCRATCH/profiles"
readonly SPECS="$SCRATCH/specs.json"
readonly OUT="$SCRATCH/out"
readonly RESULTS="$SCRATCH/results"
readonly CRITERION="$SCRATCH/criterion"

# The example key of the AWS documentation, for every tool.
export AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE"
export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
export NO_COLOR=1

step() {
    printf '\n==> %s\n' "$*" >&2
}

die() {
    printf 'compare.sh: %s\n' "$*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "\`$1\` is needed: $2"
}

# A command line with every word quoted for hyperfine's shell-free mode.
quoted() {
    local quoted_words
    printf -v quoted_words '%q ' "$@"
    printf '%s' "${quoted_words% }"
}

install_hyperfine() {
    if command -v hyperfine >/dev/null 2>&1; then
        return
    fi
    step "installing hyperfine from apt"
    need apt-get "install hyperfine with your package manager"
    [[ "$(id -u)" == 0 ]] || die "hyperfine is missing; run \`apt-get install hyperfine\` as root"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
}

install_boto3() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import boto3' 2>/dev/null; then
        return
    fi
    step "installing boto3 into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check boto3
}

install_sdk() {
    if [[ -d "$NODE_DIR/node_modules/@aws-sdk/s3-presigned-post" &&
        -d "$NODE_DIR/node_modules/@aws-sdk/client-s3" ]]; then
        return
    fi
    step "installing the JavaScript SDK into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    [[ -f "$NODE_DIR/package.json" ]] || printf '{"private": true, "type": "module"}\n' \
        >"$NODE_DIR/package.json"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent \
        @aws-sdk/client-s3 @aws-sdk/s3-presigned-post)
}

build_postpolicy() {
    step "building postpolicy --release"
    (cd "$REPO" && cargo build --release --quiet)
    local target_dir
    target_dir="$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    POSTPOLICY="$target_dir/release/postpolicy"
    [[ -x "$POSTPOLICY" ]] || die "the build left no binary at $POSTPOLICY"
}

write_versions() {
    {
        printf 'machine:  %s, %s cores\n' "$(uname -m)" "$(nproc)"
        printf 'rustc:    %s\n' "$(rustc --version)"
        printf 'python:   %s, boto3 %s\n' "$("$VENV/bin/python" --version | cut -d' ' -f2)" \
            "$("$VENV/bin/python" -c 'import boto3; print(boto3.__version__)')"
        local sdk_package="$NODE_DIR/node_modules/@aws-sdk/s3-presigned-post/package.json"
        printf 'node:     %s, @aws-sdk/s3-presigned-post %s\n' "$(node --version)" \
            "$(node -p "require(process.argv[1]).version" "$sdk_package")"
    } >"$RESULTS/versions.txt"
}

# The command line of each tool, writing its bundles to $OUT/TOOL.json (postpolicy writes to
# standard output, which hyperfine sends to the same file).
tool_command() {
    case "$1" in
    postpolicy) quoted "$POSTPOLICY" --policies "$PROFILES" compile --all --now "$NOW" ;;
    boto3) quoted "$VENV/bin/python" "$REPO/bench/peers/boto3_bench.py" \
        "$SPECS" "$OUT/boto3.json" "$RESULTS/boto3.loop" ;;
    sdk) quoted node "$NODE_DIR/sdk_bench.mjs" "$SPECS" "$OUT/sdk.json" "$RESULTS/sdk.loop" ;;
    recipe) quoted node "$NODE_DIR/recipe_bench.mjs" \
        "$SPECS" "$OUT/recipe.json" "$RESULTS/recipe.loop" ;;
    *) die "unknown tool $1" ;;
    esac
}

# Runs each tool once and checks it made COUNT bundles, so no table times a failure.
check_outputs() {
    step "checking that every tool makes $COUNT bundles"
    "$POSTPOLICY" --policies "$PROFILES" compile --all --now "$NOW" >"$OUT/postpolicy.json" ||
        die "postpolicy compile --all failed on the generated profiles"
    for tool in boto3 sdk recipe; do
        eval "$(tool_command "$tool")" 2>"$OUT/$tool.stderr" ||
            die "$tool failed; see $OUT/$tool.stderr"
        rm -f "$RESULTS/$tool.loop"
    done
    for tool in postpolicy boto3 sdk recipe; do
        python3 - "$OUT/$tool.json" "$COUNT" "$tool" <<'EOF' || exit 1
import json, sys

path, count, tool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path) as output:
    bundles = json.load(output)
signed = [
    bundle
    for bundle in bundles.values()
    if "policy" in bundle["fields"] or "Policy" in bundle["fields"]
]
if len(signed) != count:
    sys.exit(f"compare.sh: {tool} made {len(signed)} bundles with a policy, not {count}")
EOF
    done
}

time_tool() {
    local tool="$1"
    step "timing $tool ($RUNS runs)"
    local output=null
    [[ "$tool" == postpolicy ]] && output="$OUT/postpolicy.json"
    hyperfine --style basic -N --warmup 1 --runs "$RUNS" --output "$output" \
        --export-json "$RESULTS/$tool.json" "$(tool_command "$tool")" >"$RESULTS/$tool.log" 2>&1 ||
        die "timing $tool failed; see $RESULTS/$tool.log"
}

time_cold_compile() {
    step "timing a single cold compile ($COLD_RUNS runs)"
    hyperfine --style basic -N --warmup 3 --runs "$COLD_RUNS" --export-json "$RESULTS/cold.json" \
        "$(quoted "$POSTPOLICY" --policies "$REPO/policies" compile images-only --now "$NOW")" \
        >"$RESULTS/cold.log" 2>&1 || die "timing the cold compile failed; see $RESULTS/cold.log"
}

run_criterion() {
    step "running cargo bench --bench compile"
    rm -rf "$CRITERION"
    (cd "$REPO" && CRITERION_HOME="$CRITERION" cargo bench --quiet --bench compile) \
        >"$RESULTS/criterion.txt" 2>&1 ||
        die "cargo bench failed; see $RESULTS/criterion.txt"
}

main() {
    local with_criterion=true
    case "${1:-}" in
    "") ;;
    --skip-criterion) with_criterion=false ;;
    *) die "usage: bench/compare.sh [--skip-criterion]" ;;
    esac

    need cargo "install Rust (https://rustup.rs)"
    need python3 "install Python 3 with venv"
    need node "install Node.js 18 or later"
    need npm "install npm"
    install_hyperfine
    install_boto3
    install_sdk
    build_postpolicy

    mkdir -p "$OUT" "$RESULTS"
    rm -f "$RESULTS"/*.json "$RESULTS"/*.loop "$RESULTS"/*.log
    cp "$REPO/bench/peers/sdk_bench.mjs" "$REPO/bench/peers/recipe_bench.mjs" "$NODE_DIR/"
    write_versions

    step "generating $COUNT profiles into $PROFILES"
    python3 "$REPO/bench/gen_profiles.py" "$COUNT" "$PROFILES" "$SPECS"

    check_outputs
    for tool in postpolicy boto3 sdk recipe; do
        time_tool "$tool"
    done
    time_cold_compile
    if $with_criterion; then
        run_criterion
    fi

    step "results"
    if $with_criterion; then
        python3 "$REPO/bench/report.py" "$RESULTS" "$COUNT" "$CRITERION"
    else
        python3 "$REPO/bench/report.py" "$RESULTS" "$COUNT"
    fi
}

main "$@"
