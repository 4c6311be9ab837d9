"""Prints the comparison's table from the files compare.sh leaves in its results folder.

Usage: report.py RESULTS_DIR COUNT [CRITERION_DIR]

RESULTS_DIR holds, for each tool, `TOOL.json` (hyperfine's export of the whole-process runs)
and, for the peers, `TOOL.loop` (the seconds of the in-process loop, one line per run), plus
`cold.json` (the single cold compile) and `versions.txt`. CRITERION_DIR, when given, is the
folder `cargo bench --bench compile` wrote; its figures give the in-process lines.

Every total is the best run; the cold compile shows its best and its median.
"""

import json
import statistics
import sys
from pathlib import Path

# (file stem, label, signature) in table order; postpolicy first, as the reference.
TOOLS = [
    ("postpolicy", "postpolicy compile --all", "V4"),
    ("boto3", "boto3 generate_presigned_post", "V4"),
    ("sdk", "JS SDK createPresignedPost", "V4"),
    ("recipe", "Node recipe (createHmac, unvalidated)", "V2"),
]


def duration(seconds):
    """A duration in the unit that suits it."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


def whole_process(results, stem):
    """The best and median wall clock of the whole-process runs, or None."""
    path = results / f"{stem}.json"
    if not path.exists():
        return None
    times = json.loads(path.read_text())["results"][0]["times"]
    return min(times), statistics.median(times)


def best_loop(results, stem):
    """The best in-process loop time a peer reported, or None."""
    path = results / f"{stem}.loop"
    if not path.exists():
        return None
    runs = [float(line) for line in path.read_text().split()]
    return min(runs) if runs else None


def criterion_estimates(root):
    """Seconds per iteration of every benchmark under `root`, by id such as `floor/sigv4`."""
    estimates = {}
    for benchmark in root.glob("**/new/benchmark.json"):
        full_id = json.loads(benchmark.read_text())["full_id"]
        figures = json.loads((benchmark.parent / "estimates.json").read_text())
        chosen = figures.get("slope") or figures["mean"]
        estimates[full_id] = chosen["point_estimate"] * 1e-9
    return estimates


def table(rows):
    """Left-aligned first column, right-aligned others, two spaces apart."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def verdict(met):
    return "met   " if met else "MISSED"


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit("usage: report.py RESULTS_DIR COUNT [CRITERION_DIR]")
    results = Path(argv[1])
    count = int(argv[2])
    criterion = criterion_estimates(Path(argv[3])) if len(argv) == 4 else {}

    versions = results / "versions.txt"
    if versions.exists():
        print(versions.read_text().rstrip())
        print()

    reference = whole_process(results, "postpolicy")
    rows = [
        (
            "tool",
            "sig",
            f"total ({count:,})",
            "median",
            "per bundle",
            "vs postpolicy",
            "in-loop total",
            "in-loop per bundle",
        )
    ]
    for stem, label, signature in TOOLS:
        measured = whole_process(results, stem)
        if measured is None:
            continue
        best, median = measured
        loop = best_loop(results, stem)
        ratio = f"{best / reference[0]:.1f}×" if reference else "-"
        rows.append(
            (
                label,
                signature,
                duration(best),
                duration(median),
                duration(best / count),
                ratio,
                duration(loop) if loop else "-",
                duration(loop / count) if loop else "-",
            )
        )
    print(f"{count:,} bundles, whole process (start, reading, signing, writing), best run;")
    print("median: of the same runs; vs postpolicy: the tool's total divided by postpolicy's")
    print(table(rows))
    print()

    cold = whole_process(results, "cold")
    if cold:
        print(
            f"single cold `postpolicy compile images-only`: best {duration(cold[0])}, "
            f"median {duration(cold[1])}"
        )
        print()

    recipe_loop = best_loop(results, "recipe")
    bundle_v4 = criterion.get("bundle/sigv4/from-profile")
    floor_v4 = criterion.get("floor/sigv4")
    if criterion:
        lines = [
            ("SigV4 profile -> bundle JSON", "bundle/sigv4/from-profile", "floor/sigv4"),
            ("SigV4, signing key cached", "bundle/sigv4/from-profile-cached-key", "floor/sigv4"),
            ("SigV4 from TOML text", "bundle/sigv4/from-toml", "floor/sigv4"),
            ("SigV2 profile -> bundle JSON", "bundle/sigv2/from-profile", "floor/sigv2"),
            ("SigV2 from TOML text", "bundle/sigv2/from-toml", "floor/sigv2"),
            ("floor SigV4: encode + derive + sign", "floor/sigv4", None),
            ("  JSON + base64 alone", "floor/sigv4-encode", None),
            ("  key derivation + HMAC alone", "floor/sigv4-sign", None),
            ("floor SigV2: encode + sign", "floor/sigv2", None),
            ("  JSON + base64 alone", "floor/sigv2-encode", None),
            ("  HMAC-SHA1 alone", "floor/sigv2-sign", None),
            ("SigV4 steps: compile", "parts/sigv4-compile", "floor/sigv4"),
            ("  Signer::sign (new signer)", "parts/sigv4-sign", "floor/sigv4"),
            ("  Bundle::new", "parts/sigv4-bundle-layout", "floor/sigv4"),
            ("  Bundle::to_json", "parts/sigv4-bundle-json", "floor/sigv4"),
        ]
        rows = [("in process (criterion)", "per bundle", "× floor")]
        for label, bench_id, floor_id in lines:
            if bench_id not in criterion:
                continue
            ratio = "-"
            if floor_id in criterion:
                ratio = f"{criterion[bench_id] / criterion[floor_id]:.2f}×"
            rows.append((label, duration(criterion[bench_id]), ratio))
        if recipe_loop:
            rows.append(("Node recipe, in its loop (above)", duration(recipe_loop / count), "-"))
        print(table(rows))
        print()

    print("targets of the issue:")
    if bundle_v4 and floor_v4:
        ratio = bundle_v4 / floor_v4
        print(f"  {verdict(ratio <= 2)}  in-process SigV4 bundle ≤ 2× the floor: {ratio:.2f}×")
    if bundle_v4 and recipe_loop:
        recipe = recipe_loop / count
        print(
            f"  {verdict(bundle_v4 < recipe)}  in-process SigV4 bundle faster than the Node "
            f"recipe: {duration(bundle_v4)} against {duration(recipe)}"
        )
    boto3 = whole_process(results, "boto3")
    if reference and boto3:
        ratio = boto3[0] / reference[0]
        print(
            f"  {verdict(ratio >= 20)}  compile --all of {count:,} profiles ≥ 20× faster than "
            f"boto3, process start included: {ratio:.1f}×"
        )
    if cold:
        print(
            f"  {verdict(cold[1] < 5e-3)}  single cold compile under 5 ms: "
            f"median {duration(cold[1])}"
        )


if __name__ == "__main__":
    main(sys.argv)
