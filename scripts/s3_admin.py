#!/usr/bin/env python3
"""Signed S3, IAM and STS calls against the loopback test server of postpolicy.

`scripts/s3-server` uses this to prepare the throw-away Ceph radosgw server that the end-to-end
tests upload to (bucket, user policy, temporary credentials), and shell users use it to check
what an upload left behind (`head KEY`, `delete KEY`).

Every request is signed with AWS Signature Version 4 in the Authorization header, using only the
Python standard library. Credentials come from the options, else from the POSTPOLICY_S3_*
environment variables, else from the fixed test-only key pair that `scripts/s3-server` gives
its user. Secrets are never printed, except by `session-token`, whose purpose is to hand out
temporary test credentials for the loopback server.
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import sys
import urllib.parse
import xml.etree.ElementTree as ElementTree

TEST_ACCESS_KEY = "POSTPOLICYE2EACCESS1"
TEST_SECRET_KEY = "postpolicyE2eSecretKeyForLoopbackOnly0001"
DEFAULT_BUCKET = "postpolicy-e2e"
DEFAULT_REGION = "us-east-1"
REQUEST_TIMEOUT_SECONDS = 30

EXIT_OK = 0
EXIT_ABSENT = 1
EXIT_USAGE = 2
EXIT_FAILED = 3

IAM_API_VERSION = "2010-05-08"
STS_API_VERSION = "2011-06-15"

USAGE_EPILOG = """\
commands:
  ping                      anonymous GET / ; exit 0 on HTTP 200 (server ready)
  create-bucket [BUCKET]    PUT the bucket (default --bucket); an existing own bucket is fine
  put-user-policy --user UID --name NAME --document JSON
                            IAM PutUserPolicy, signed with the user's own keys
  session-token [--duration SECONDS]
                            STS GetSessionToken; prints AWS_ACCESS_KEY_ID=...,
                            AWS_SECRET_ACCESS_KEY=... and AWS_SESSION_TOKEN=... lines
  head KEY                  signed HEAD of BUCKET/KEY; exit 0 if it exists, 1 if 404
  delete KEY                signed DELETE of BUCKET/KEY (deleting a missing key succeeds)

environment (used when the matching option is absent):
  POSTPOLICY_S3_ENDPOINT       default http://127.0.0.1:${POSTPOLICY_S3_PORT:-7480}
  POSTPOLICY_S3_BUCKET         default postpolicy-e2e
  POSTPOLICY_S3_ACCESS_KEY     default POSTPOLICYE2EACCESS1 (test-only)
  POSTPOLICY_S3_SECRET_KEY     default: the test-only secret of scripts/s3-server
  POSTPOLICY_S3_SESSION_TOKEN  sent as x-amz-security-token when set

exit status: 0 success, 1 object absent (head), 2 usage error, 3 request failed
"""


class RequestFailed(Exception):
    """A request that did not get the answer the command needs; the message is safe to print."""


class Credentials:
    """An access key pair, optionally temporary (with a session token)."""

    def __init__(self, access_key, secret_key, session_token):
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token


class Endpoint:
    """Where the server listens, split into the parts a signed request needs."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"endpoint must be an http(s) URL, got {url!r}")

        self.url = url
        self.scheme = parsed.scheme
        self.hostname = parsed.hostname
        self.port = parsed.port
        self.host_header = parsed.netloc
        self.base_path = parsed.path.rstrip("/")

    def connection(self):
        connection_class = (
            http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        )
        return connection_class(self.hostname, self.port, timeout=REQUEST_TIMEOUT_SECONDS)


class Response:
    """Status, headers and body of one answered request."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def error_summary(self):
        """`HTTP 403 AccessDenied: message`, from an S3/IAM/STS error body when there is one."""
        code, message = "", ""
        try:
            root = ElementTree.fromstring(self.body)
            for element in root.iter():
                tag = local_name(element.tag)
                if tag == "Code" and not code:
                    code = (element.text or "").strip()
                if tag == "Message" and not message:
                    message = (element.text or "").strip()
        except ElementTree.ParseError:
            pass

        summary = f"HTTP {self.status}"
        if code:
            summary += f" {code}"
        if message:
            summary += f": {message}"
        return summary


def local_name(tag):
    """The element name without its XML namespace."""
    return tag.rsplit("}", 1)[-1]


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def uri_encode(text, keep_slash):
    """Percent-encode everything except the unreserved characters (and `/` when asked)."""
    return urllib.parse.quote(text, safe="/~" if keep_slash else "~")


def canonical_query(query):
    pairs = sorted((uri_encode(name, False), uri_encode(value, False)) for name, value in query)
    return "&".join(f"{name}={value}" for name, value in pairs)


def signing_key(secret_key, date_stamp, region, service):
    key = hmac_sha256(("AWS4" + secret_key).encode("utf-8"), date_stamp)
    key = hmac_sha256(key, region)
    key = hmac_sha256(key, service)
    return hmac_sha256(key, "aws4_request")


def signed_request(endpoint, credentials, region, service, method, path, query=(), body=b"",
                   extra_headers=None):
    """Send one SigV4 header-signed request and return its Response."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date_stamp = now.strftime("%Y%m%d")
    payload_hash = sha256_hex(body)

    headers = {
        "host": endpoint.host_header,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_hash,
    }
    if credentials.session_token:
        headers["x-amz-security-token"] = credentials.session_token
    for name, value in (extra_headers or {}).items():
        headers[name.lower()] = value

    encoded_path = uri_encode(endpoint.base_path + path, True)
    query_string = canonical_query(query)
    signed_header_names = sorted(headers)
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n"
                                for name in signed_header_names)
    signed_headers = ";".join(signed_header_names)
    canonical_request = "\n".join(
        [method, encoded_path, query_string, canonical_headers, signed_headers, payload_hash]
    )

    scope = f"{date_stamp}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(canonical_request.encode("utf-8"))]
    )
    key = signing_key(credentials.secret_key, date_stamp, region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )

    target = encoded_path + (f"?{query_string}" if query_string else "")
    return send(endpoint, method, target, body, headers)


def send(endpoint, method, target, body, headers):
    connection = endpoint.connection()
    try:
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        response_body = answer.read()
        return Response(answer.status, answer.headers, response_body)
    except OSError as error:
        raise RequestFailed(f"cannot reach {endpoint.url}: {error}") from None
    except http.client.HTTPException as error:
        raise RequestFailed(f"bad answer from {endpoint.url}: {error!r}") from None
    finally:
        connection.close()


def form_request(endpoint, credentials, region, service, parameters):
    """A POST of form-encoded Action parameters, the way IAM and STS are called."""
    body = urllib.parse.urlencode(parameters).encode("utf-8")
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    return signed_request(endpoint, credentials, region, service, "POST", "/", body=body,
                          extra_headers=headers)


def object_path(bucket, key):
    return f"/{bucket}/{key}"


def command_ping(arguments, endpoint, credentials):
    response = send(endpoint, "GET", (endpoint.base_path or "") + "/", b"",
                    {"host": endpoint.host_header})
    if response.status != 200:
        raise RequestFailed(f"GET / answered {response.error_summary()}")
    return EXIT_OK


def command_create_bucket(arguments, endpoint, credentials):
    bucket = arguments.name or arguments.bucket
    response = signed_request(endpoint, credentials, arguments.region, "s3", "PUT", f"/{bucket}")
    if response.status == 200:
        return EXIT_OK
    if response.status == 409 and b"BucketAlreadyOwnedByYou" in response.body:
        return EXIT_OK
    raise RequestFailed(f"creating bucket {bucket} failed: {response.error_summary()}")


def command_put_user_policy(arguments, endpoint, credentials):
    try:
        json.loads(arguments.document)
    except json.JSONDecodeError as error:
        raise RequestFailed(f"--document is not JSON: {error}") from None

    parameters = [
        ("Action", "PutUserPolicy"),
        ("Version", IAM_API_VERSION),
        ("UserName", arguments.user),
        ("PolicyName", arguments.policy_name),
        ("PolicyDocument", arguments.document),
    ]
    response = form_request(endpoint, credentials, arguments.region, "iam", parameters)
    if response.status != 200:
        raise RequestFailed(
            f"PutUserPolicy {arguments.policy_name} for {arguments.user} failed: "
            f"{response.error_summary()}"
        )
    return EXIT_OK


def command_session_token(arguments, endpoint, credentials):
    parameters = [
        ("Action", "GetSessionToken"),
        ("Version", STS_API_VERSION),
        ("DurationSeconds", str(arguments.duration)),
    ]
    response = form_request(endpoint, credentials, arguments.region, "sts", parameters)
    if response.status != 200:
        raise RequestFailed(f"GetSessionToken failed: {response.error_summary()}")

    try:
        root = ElementTree.fromstring(response.body)
    except ElementTree.ParseError:
        raise RequestFailed("GetSessionToken answered 200 with a body that is not XML") from None
    found = {local_name(element.tag): (element.text or "").strip() for element in root.iter()}
    wanted = ("AccessKeyId", "SecretAccessKey", "SessionToken")
    if not all(found.get(name) for name in wanted):
        raise RequestFailed("GetSessionToken answered 200 without AccessKeyId, "
                            "SecretAccessKey and SessionToken")

    print(f"AWS_ACCESS_KEY_ID={found['AccessKeyId']}")
    print(f"AWS_SECRET_ACCESS_KEY={found['SecretAccessKey']}")
    print(f"AWS_SESSION_TOKEN={found['SessionToken']}")
    return EXIT_OK


def command_head(arguments, endpoint, credentials):
    path = object_path(arguments.bucket, arguments.key)
    response = signed_request(endpoint, credentials, arguments.region, "s3", "HEAD", path)
    if response.status == 200:
        length = response.headers.get("Content-Length", "?")
        print(f"{arguments.bucket}/{arguments.key} exists ({length} bytes)")
        return EXIT_OK
    if response.status == 404:
        print(f"{arguments.bucket}/{arguments.key} does not exist")
        return EXIT_ABSENT
    raise RequestFailed(f"HEAD {arguments.bucket}/{arguments.key} answered HTTP {response.status}")


def command_delete(arguments, endpoint, credentials):
    path = object_path(arguments.bucket, arguments.key)
    response = signed_request(endpoint, credentials, arguments.region, "s3", "DELETE", path)
    if response.status in (200, 204):
        return EXIT_OK
    raise RequestFailed(f"DELETE {arguments.bucket}/{arguments.key} failed: "
                        f"{response.error_summary()}")


def default_endpoint():
    port = os.environ.get("POSTPOLICY_S3_PORT", "7480")
    return os.environ.get("POSTPOLICY_S3_ENDPOINT", f"http://127.0.0.1:{port}")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="s3_admin.py",
        description="Signed S3, IAM and STS calls against the postpolicy loopback test server.",
        epilog=USAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--endpoint", default=default_endpoint(), help="server URL")
    parser.add_argument("--bucket", default=os.environ.get("POSTPOLICY_S3_BUCKET", DEFAULT_BUCKET),
                        help="bucket for create-bucket, head and delete")
    parser.add_argument("--region", default=DEFAULT_REGION, help="SigV4 region (us-east-1)")
    parser.add_argument("--access-key", default=os.environ.get("POSTPOLICY_S3_ACCESS_KEY",
                                                               TEST_ACCESS_KEY))
    parser.add_argument("--secret-key", default=os.environ.get("POSTPOLICY_S3_SECRET_KEY",
                                                               TEST_SECRET_KEY))
    parser.add_argument("--session-token",
                        default=os.environ.get("POSTPOLICY_S3_SESSION_TOKEN", ""),
                        help="temporary credentials' token (x-amz-security-token)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    ping = commands.add_parser("ping", help="exit 0 if GET / answers 200")
    ping.set_defaults(run=command_ping)

    create_bucket = commands.add_parser("create-bucket", help="create the bucket")
    create_bucket.add_argument("name", nargs="?", help="bucket name (default --bucket)")
    create_bucket.set_defaults(run=command_create_bucket)

    put_user_policy = commands.add_parser("put-user-policy", help="IAM PutUserPolicy")
    put_user_policy.add_argument("--user", required=True, help="user id the policy is put on")
    put_user_policy.add_argument("--name", dest="policy_name", required=True, help="policy name")
    put_user_policy.add_argument("--document", required=True, help="policy document (JSON)")
    put_user_policy.set_defaults(run=command_put_user_policy)

    session_token = commands.add_parser("session-token", help="STS GetSessionToken")
    session_token.add_argument("--duration", type=int, default=3600,
                               help="lifetime in seconds (default 3600)")
    session_token.set_defaults(run=command_session_token)

    head = commands.add_parser("head", help="does BUCKET/KEY exist? (exit 0 yes, 1 no)")
    head.add_argument("key")
    head.set_defaults(run=command_head)

    delete = commands.add_parser("delete", help="delete BUCKET/KEY")
    delete.add_argument("key")
    delete.set_defaults(run=command_delete)

    return parser


def main():
    arguments = build_parser().parse_args()

    try:
        endpoint = Endpoint(arguments.endpoint)
    except ValueError as error:
        print(f"s3_admin.py: {error}", file=sys.stderr)
        return EXIT_USAGE
    credentials = Credentials(arguments.access_key, arguments.secret_key, arguments.session_token)

    try:
        return arguments.run(arguments, endpoint, credentials)
    except RequestFailed as error:
        print(f"s3_admin.py {arguments.command}: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
