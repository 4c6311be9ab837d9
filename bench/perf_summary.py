"""Summarises `perf script` stacks of postpolicy runs: where the time of `compile --all` goes.

Usage: perf script -F comm,ip,sym | perf_summary.py

Prints the share of samples spent inside each pipeline stage (inclusive: with everything the
stage calls), then the functions that are themselves on the CPU most often (exclusive), with
the allocator and the kernel's page faults grouped, since those are spread over every stage.
Samples of the allocator often lose their caller (the C library has no frame pointers), so
the stage shares are lower bounds and the groups say how much is unattributed.
"""

import collections
import re
import sys

# (label, pattern of a frame) in pipeline order.
STAGES = [
    ("load: read files and parse TOML", r"postpolicy::load::Catalog::load_dir"),
    ("  TOML parser", r"toml::de::parser::parse_document"),
    ("validate: resolve, check, lint", r"postpolicy::commands::Workspace::validate"),
    ("  resolve (merge over ancestors)", r"postpolicy::load::Catalog::resolve"),
    ("  lints", r"postpolicy::lint::lint\b"),
    ("    form-size estimate", r"postpolicy::lint::estimated_form_bytes"),
    ("compile", r"postpolicy::compile::compile$"),
    ("sign (encode and HMAC)", r"postpolicy::sign::Signer::sign"),
    ("  policy JSON (the lint makes it too)", r"postpolicy::policy::PolicyDocument::to_json"),
    ("  SHA-256", r"sha2::"),
    ("bundle layout", r"postpolicy::bundle::Bundle::new"),
    ("bundles' JSON", r"postpolicy::bundle::bundles_to_json"),
    ("writing the output", r"postpolicy::commands::write_(stdout|file_atomically)"),
    ("dropping values (anywhere)", r"drop_in_place"),
    ("kernel page faults", r"exc_page_fault"),
]

GROUPS = [
    ("allocator (malloc, free, consolidate)", r"malloc|free|_int_|unlink_chunk|consolidate|mi_"),
    ("copies (memmove, memcpy)", r"memmove|memcpy"),
    ("kernel", r"^\[k\]"),
]


def read_stacks(lines):
    """Each sample as its list of frame names, innermost first."""
    stack = []
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        if line[0] in " \t":
            parts = line.strip().split(" ", 1)
            if len(parts) == 2:
                name = re.sub(r"\+0x[0-9a-f]+$", "", parts[1].split(" (")[0])
                kernel = "[kernel" in parts[1]
                stack.append(f"[k] {name}" if kernel else name)
        elif stack:
            yield stack
            stack = []
    if stack:
        yield stack


def main():
    samples = list(read_stacks(sys.stdin))
    if not samples:
        sys.exit("perf_summary.py: no samples on standard input")
    total = len(samples)

    print(f"{total} samples; share of samples inside each stage (inclusive):")
    for label, pattern in STAGES:
        regex = re.compile(pattern)
        inside = sum(1 for stack in samples if any(regex.search(frame) for frame in stack))
        print(f"  {100 * inside / total:5.1f}%  {label}")

    on_cpu = collections.Counter(stack[0] for stack in samples)
    print("\ngrouped, by the function on the CPU (exclusive):")
    for label, pattern in GROUPS:
        regex = re.compile(pattern)
        count = sum(n for name, n in on_cpu.items() if regex.search(name))
        print(f"  {100 * count / total:5.1f}%  {label}")

    print("\ntop functions on the CPU (exclusive):")
    for name, count in on_cpu.most_common(25):
        print(f"  {100 * count / total:5.1f}%  {name[:110]}")


if __name__ == "__main__":
    main()
