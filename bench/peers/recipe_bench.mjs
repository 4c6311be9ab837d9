// The classic Node.js recipe over the comparison's uploads, in one process: a policy built by
// hand, JSON.stringify, base64, and crypto.createHmac("sha1") with the secret (Signature
// Version 2, as the recipe has it). Nothing is validated.
//
// Usage: node recipe_bench.mjs SPECS_JSON OUT_JSON LOOP_SECONDS_FILE
//
// Writes every result as one JSON object keyed by name to OUT_JSON, and the seconds the loop
// and the output took, without Node's start, to LOOP_SECONDS_FILE (one line per run,
// appended).

import { createHmac } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const [specsPath, outPath, secondsPath] = process.argv.slice(2);
if (!secondsPath) {
  console.error("usage: node recipe_bench.mjs SPECS_JSON OUT_JSON LOOP_SECONDS_FILE");
  process.exit(2);
}

function presignedPost(upload) {
  const policy = {
    expiration: new Date(Date.now() + upload.expires_in * 1000).toISOString(),
    conditions: [
      { bucket: upload.bucket },
      ["starts-with", "$key", upload.prefix],
      ["starts-with", "$Content-Type", upload.content_type],
      { success_action_status: upload.status },
      ["content-length-range", upload.min, upload.max],
    ],
  };
  const encoded = Buffer.from(JSON.stringify(policy)).toString("base64");
  const signature = createHmac("sha1", SECRET_ACCESS_KEY).update(encoded).digest("base64");

  return {
    url: `https://${upload.bucket}.s3.amazonaws.com/`,
    fields: {
      key: upload.prefix + "${filename}",
      success_action_status: upload.status,
      AWSAccessKeyId: ACCESS_KEY_ID,
      policy: encoded,
      signature,
    },
  };
}

const uploads = JSON.parse(readFileSync(specsPath, "utf8"));

const started = process.hrtime.bigint();
const bundles = {};
for (const upload of uploads) {
  bundles[upload.name] = presignedPost(upload);
}
writeFileSync(outPath, JSON.stringify(bundles, null, 2));
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;

appendFileSync(secondsPath, `${elapsed}\n`);
