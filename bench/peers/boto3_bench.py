"""boto3's generate_presigned_post over the comparison's uploads, in one process.

Usage: boto3_bench.py SPECS_JSON OUT_JSON LOOP_SECONDS_FILE

Makes one SigV4 POST policy per upload of SPECS_JSON with the rules postpolicy's profiles
write (bucket, key prefix, Content-Type prefix, success_action_status, content-length-range,
15 minutes), writes every result as one JSON object keyed by name to OUT_JSON, and writes the
seconds the loop and the output took, without the interpreter's start and the imports, to
LOOP_SECONDS_FILE (one line per run, appended).
"""

import json
import sys
import time

import boto3
from botocore.config import Config

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def presigned_post(client, upload):
    """The URL and fields boto3 makes for one upload."""
    status = upload["status"]
    return client.generate_presigned_post(
        Bucket=upload["bucket"],
        Key=upload["prefix"] + "${filename}",
        Fields={"success_action_status": status},
        Conditions=[
            ["starts-with", "$Content-Type", upload["content_type"]],
            {"success_action_status": status},
            ["content-length-range", upload["min"], upload["max"]],
        ],
        ExpiresIn=upload["expires_in"],
    )


def main(specs_path, out_path, seconds_path):
    with open(specs_path) as specs_file:
        uploads = json.load(specs_file)
    client = boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(signature_version="s3v4"),
    )

    started = time.perf_counter()
    bundles = {upload["name"]: presigned_post(client, upload) for upload in uploads}
    with open(out_path, "w") as out:
        json.dump(bundles, out, indent=2)
    elapsed = time.perf_counter() - started

    with open(seconds_path, "a") as seconds_file:
        seconds_file.write(f"{elapsed}\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: boto3_bench.py SPECS_JSON OUT_JSON LOOP_SECONDS_FILE")
    main(*sys.argv[1:])
