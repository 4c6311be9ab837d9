// The JavaScript SDK's createPresignedPost over the comparison's uploads, in one process.
//
// Usage: node sdk_bench.mjs SPECS_JSON OUT_JSON LOOP_SECONDS_FILE
//
// Makes one SigV4 POST policy per upload of SPECS_JSON with the rules postpolicy's profiles
// write (bucket, key prefix, Content-Type prefix, success_action_status, content-length-range,
// 15 minutes). createPresignedPost signs locally: the client has static credentials and sends
// no request. Writes every result as one JSON object keyed by name to OUT_JSON, and the seconds
// the loop and the output took, without Node's start and the imports, to LOOP_SECONDS_FILE
// (one line per run, appended).

import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";

const ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const [specsPath, outPath, secondsPath] = process.argv.slice(2);
if (!secondsPath) {
  console.error("usage: node sdk_bench.mjs SPECS_JSON OUT_JSON LOOP_SECONDS_FILE");
  process.exit(2);
}

const uploads = JSON.parse(readFileSync(specsPath, "utf8"));
const client = new S3Client({
  region: "eu-west-1",
  credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
});

const started = process.hrtime.bigint();
const bundles = {};
for (const upload of uploads) {
  bundles[upload.name] = await createPresignedPost(client, {
    Bucket: upload.bucket,
    Key: upload.prefix + "${filename}",
    Fields: { success_action_status: upload.status },
    // The SDK adds the conditions of `Fields`, and a key prefix for a `${filename}` key.
    Conditions: [
      ["starts-with", "$Content-Type", upload.content_type],
      ["content-length-range", upload.min, upload.max],
    ],
    Expires: upload.expires_in,
  });
}
writeFileSync(outPath, JSON.stringify(bundles, null, 2));
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;

appendFileSync(secondsPath, `${elapsed}\n`);
