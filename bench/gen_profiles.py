"""Writes the profiles the comparison compiles, and the same uploads as data for the peers.

Every profile has the shape of `images-only` in policies/images.toml: a key prefix with a
`${filename}` value, a Content-Type prefix the uploader fills, a fixed success_action_status
and a content_length range, in eu-west-1 with a 15-minute expiry. Names, buckets, prefixes,
content types and size limits vary from one profile to the next, deterministically.

Usage: gen_profiles.py COUNT PROFILES_DIR SPECS_JSON [PER_FILE]

PROFILES_DIR receives `profiles-NNNN.toml` files of PER_FILE profiles each (100 by default);
SPECS_JSON receives the list of uploads, one object per profile, in the same order.
"""

import json
import sys
from pathlib import Path

BUCKETS = ["acme-uploads", "acme-media", "acme-user-content", "acme-assets"]
CONTENT_TYPES = ["image/", "video/", "audio/", "text/", "application/pdf"]
MAX_SIZES = [
    ("512 KiB", 512 << 10),
    ("10 MiB", 10 << 20),
    ("100 MiB", 100 << 20),
    ("1 GiB", 1 << 30),
]
STATUSES = ["201", "200", "204"]


def spec(index):
    """The upload rules of profile number `index`."""
    max_text, max_bytes = MAX_SIZES[index % len(MAX_SIZES)]
    return {
        "name": f"app-{index:05d}-uploads",
        "bucket": BUCKETS[index % len(BUCKETS)],
        "region": "eu-west-1",
        "prefix": f"uploads/app-{index:05d}/u{index * 7919 % 10007}/",
        "content_type": CONTENT_TYPES[index % len(CONTENT_TYPES)],
        "status": STATUSES[index % len(STATUSES)],
        "min": 1,
        "max": max_bytes,
        "max_text": max_text,
        "expires_in": 900,
    }


def profile_toml(upload):
    """The TOML table of one profile."""
    return (
        f"[profile.{upload['name']}]\n"
        f"description = \"Uploads of {upload['content_type']}* under {upload['prefix']}\"\n"
        f"bucket = \"{upload['bucket']}\"\n"
        f"region = \"{upload['region']}\"\n"
        f"expires_in = \"15m\"\n"
        f"content_length = {{ min = {upload['min']}, max = \"{upload['max_text']}\" }}\n"
        f"fields.key = {{ starts_with = \"{upload['prefix']}\", "
        f"value = \"{upload['prefix']}${{filename}}\" }}\n"
        f"fields.Content-Type = {{ starts_with = \"{upload['content_type']}\" }}\n"
        f"fields.success_action_status = \"{upload['status']}\"\n"
    )


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit("usage: gen_profiles.py COUNT PROFILES_DIR SPECS_JSON [PER_FILE]")
    count = int(argv[1])
    profiles_dir = Path(argv[2])
    specs_path = Path(argv[3])
    per_file = int(argv[4]) if len(argv) == 5 else 100

    profiles_dir.mkdir(parents=True, exist_ok=True)
    for old in profiles_dir.glob("*.toml"):
        old.unlink()

    uploads = [spec(index) for index in range(count)]
    for start in range(0, count, per_file):
        chunk = uploads[start : start + per_file]
        text = "\n".join(profile_toml(upload) for upload in chunk)
        (profiles_dir / f"profiles-{start // per_file:04d}.toml").write_text(text)

    specs_path.write_text(json.dumps(uploads, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv)
