//! The signers against published vectors: AWS's documentation examples and the pinned or
//! reproduced values of the official SDKs' test suites.
//!
//! Each vector gives a base64 policy exactly as sent and the signature S3 expects for it; the
//! signers must reproduce every one from the secret alone.

use postpolicy::credentials::Secret;
use postpolicy::sign::{SigningKey, derivation_steps, hex, sign_v2};

const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const LEGACY_SECRET: &str = "uV3F3YluFJax1cknvbcGwgjvx4QpvB+leU8dUj2o";

fn v4(secret: &str, date: &str, region: &str, policy: &str) -> String {
    SigningKey::derive(&Secret::new(secret.to_owned()), date, region).sign(policy)
}

fn v2(secret: &str, policy: &str) -> String {
    sign_v2(&Secret::new(secret.to_owned()), policy)
}

/// AWS, "Example: Browser-Based Upload using HTTP POST (Using AWS Signature Version 4)".
const AWS_V4_EXAMPLE_POLICY: &str = concat!(
    "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0",
    "aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBb",
    "InN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJw",
    "dWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDov",
    "L3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2Fk",
    "Lmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2Uv",
    "Il0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7",
    "IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFy",
    "dHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRl",
    "bnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3",
    "czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEy",
    "NTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
);

#[test]
fn aws_sigv4_post_example_signature() {
    assert_eq!(
        v4(
            EXAMPLE_SECRET,
            "20151229",
            "us-east-1",
            AWS_V4_EXAMPLE_POLICY
        ),
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
    );
}

#[test]
fn aws_sigv4_post_example_intermediate_keys() {
    let steps = derivation_steps(
        &Secret::new(EXAMPLE_SECRET.to_owned()),
        "20151229",
        "us-east-1",
        "s3",
    );
    let steps: Vec<String> = steps.iter().map(|key| hex(key)).collect();

    assert_eq!(
        steps,
        [
            "7db2090321aa187aa0f1a82253d0b901e0fc85109ad025b356a2521ffb06471d",
            "c750077a983369dd1824310e1e52c28a89e135dfe4dc9ad384fbb0bc70728e35",
            "ab698634f0c69649415f2f729ac91f6f10c29e989abdf947cb6b0cad94cbd4a4",
            "cbcef1ebeaefc82cce6530b9f0a9ae598846065f5c5bae0674bd5ebc4ba52d28",
        ]
    );
}

#[test]
fn aws_sigv4_example_depends_on_date_region_and_secret() {
    let expected = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

    assert_ne!(
        v4(
            EXAMPLE_SECRET,
            "20151230",
            "us-east-1",
            AWS_V4_EXAMPLE_POLICY
        ),
        expected
    );
    assert_ne!(
        v4(
            EXAMPLE_SECRET,
            "20151229",
            "us-west-1",
            AWS_V4_EXAMPLE_POLICY
        ),
        expected
    );
    assert_ne!(
        v4(
            LEGACY_SECRET,
            "20151229",
            "us-east-1",
            AWS_V4_EXAMPLE_POLICY
        ),
        expected
    );
}

/// AWS, "Browser-based uploads using POST (AWS Signature Version 2)": the file upload, the
/// text-area upload (whose printed signature has a typo in its last character) and an older
/// revision, all signed with the 2006 developer guide's secret.
#[test]
fn aws_sigv2_post_examples() {
    let file_upload = concat!(
        "eyAiZXhwaXJhdGlvbiI6ICIyMDA3LTEyLTAxVDEyOjAwOjAwLjAwMFoiLAogICJjb25kaXRp",
        "b25zIjogWwogICAgeyJidWNrZXQiOiAiam9obnNtaXRoIn0sCiAgICBbInN0YXJ0cy13aXRo",
        "IiwgIiRrZXkiLCAidXNlci9lcmljLyJdLAogICAgeyJhY2wiOiAicHVibGljLXJlYWQifSwK",
        "ICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL2pvaG5zbWl0aC5zMy5h",
        "bWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwKICAgIFsic3RhcnRzLXdp",
        "dGgiLCAiJENvbnRlbnQtVHlwZSIsICJpbWFnZS8iXSwKICAgIHsieC1hbXotbWV0YS11dWlk",
        "IjogIjE0MzY1MTIzNjUxMjc0In0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiR4LWFtei1tZXRh",
        "LXRhZyIsICIiXQogIF0KfQo="
    );
    let text_area = concat!(
        "eyAiZXhwaXJhdGlvbiI6ICIyMDA3LTEyLTAxVDEyOjAwOjAwLjAwMFoiLAogICJjb25kaXRp",
        "b25zIjogWwogICAgeyJidWNrZXQiOiAiam9obnNtaXRoIn0sCiAgICBbInN0YXJ0cy13aXRo",
        "IiwgIiRrZXkiLCAidXNlci9lcmljLyJdLAogICAgeyJhY2wiOiAicHVibGljLXJlYWQifSwK",
        "ICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL2pvaG5zbWl0aC5zMy5h",
        "bWF6b25hd3MuY29tL25ld19wb3N0Lmh0bWwifSwKICAgIFsiZXEiLCAiJENvbnRlbnQtVHlw",
        "ZSIsICJ0ZXh0L2h0bWwiXSwKICAgIHsieC1hbXotbWV0YS11dWlkIjogIjE0MzY1MTIzNjUx",
        "Mjc0In0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiR4LWFtei1tZXRhLXRhZyIsICIiXQogIF0K",
        "fQo="
    );
    let older = concat!(
        "eyAiZXhwaXJhdGlvbiI6ICIyMDA3LTEyLTAxVDEyOjAwOjAwLjAwMFoiLAogICJjb25kaXRp",
        "b25zIjogWwogICAgeyJidWNrZXQiOiAiam9obnNtaXRoIiB9LAogICAgWyJzdGFydHMtd2l0",
        "aCIsICIka2V5IiwgInVzZXIvZXJpYy8iXSwKICAgIHsiYWNsIjogInB1YmxpYy1yZWFkIiB9",
        "LAogICAgeyJyZWRpcmVjdCI6ICJodHRwOi8vam9obnNtaXRoLnMzLmFtYXpvbmF3cy5jb20v",
        "c3VjY2Vzc2Z1bF91cGxvYWQuaHRtbCIgfSwKICAgIFsic3RhcnRzLXdpdGgiLCAiJENvbnRl",
        "bnQtVHlwZSIsICJpbWFnZS8iXSwKICAgIHsieC1hbXotbWV0YS11dWlkIjogIjE0MzY1MTIz",
        "NjUxMjc0In0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiR4LWFtei1tZXRhLXRhZyIsICIiXSwK",
        "ICBdCn0K"
    );

    assert_eq!(
        v2(LEGACY_SECRET, file_upload),
        "0RavWzkygo6QX9caELEqKi9kDbU="
    );
    assert_eq!(v2(LEGACY_SECRET, text_area), "qA7FWXKq6VvU68lI9KdveT1cWgE=");
    assert_eq!(v2(LEGACY_SECRET, older), "2qCp0odXe7A9IYyUVqn0w2adtCA=");
    assert_eq!(
        v2(EXAMPLE_SECRET, file_upload),
        "gp42sMsv4L5xLO0OjT+56V64o+A="
    );
}

/// aws-sdk-php `PostObjectV4Test::testSignsPostPolicy` (its malformed test clock included).
#[test]
fn aws_sdk_php_v4_without_session_token() {
    let policy = concat!(
        "eyJleHBpcmF0aW9uIjoiMjAxNS0xMi0yOVQwMTowMDowMFoiLCJjb25kaXRpb25zIjpbeyJi",
        "dWNrZXQiOiJzaWd2NGV4YW1wbGVidWNrZXQifSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVz",
        "ZXJcL3VzZXIxXC8iXSx7ImFjbCI6InB1YmxpYy1yZWFkIn0seyJzdWNjZXNzX2FjdGlvbl9y",
        "ZWRpcmVjdCI6Imh0dHA6XC9cL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29t",
        "XC9zdWNjZXNzZnVsX3VwbG9hZC5odG1sIn0sWyJzdGFydHMtd2l0aCIsIiRDb250ZW50LVR5",
        "cGUiLCJpbWFnZVwvIl0seyJ4LWFtei1tZXRhLXV1aWQiOiIxNDM2NTEyMzY1MTI3NCJ9LHsi",
        "eC1hbXotc2VydmVyLXNpZGUtZW5jcnlwdGlvbiI6IkFFUzI1NiJ9LFsic3RhcnRzLXdpdGgi",
        "LCIkeC1hbXotbWV0YS10YWciLCIiXSx7IlgtQW16LURhdGUiOiIyMDE1MTIyOVQwMDAwWiJ9",
        "LHsiWC1BbXotQ3JlZGVudGlhbCI6IkFLSUFJT1NGT0ROTjdFWEFNUExFXC8yMDE1MTIyOVwv",
        "dXMtZWFzdC0xXC9zM1wvYXdzNF9yZXF1ZXN0In0seyJYLUFtei1BbGdvcml0aG0iOiJBV1M0",
        "LUhNQUMtU0hBMjU2In1dfQ=="
    );

    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "us-east-1", policy),
        "683963a1575bb197c642490ac60f3f08cda08233cd3a163ad31b554e9327a3ff"
    );
}

/// aws-sdk-php `PostObjectV4Test::testSignsPostPolicyWithSecurityToken`.
#[test]
fn aws_sdk_php_v4_with_session_token() {
    let policy = concat!(
        "eyJleHBpcmF0aW9uIjoiMjAxNS0xMi0yOVQwMTowMDowMFoiLCJjb25kaXRpb25zIjpbeyJi",
        "dWNrZXQiOiJzaWd2NGV4YW1wbGVidWNrZXQifSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVz",
        "ZXJcL3VzZXIxXC8iXSx7ImFjbCI6InB1YmxpYy1yZWFkIn0seyJzdWNjZXNzX2FjdGlvbl9y",
        "ZWRpcmVjdCI6Imh0dHA6XC9cL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29t",
        "XC9zdWNjZXNzZnVsX3VwbG9hZC5odG1sIn0sWyJzdGFydHMtd2l0aCIsIiRDb250ZW50LVR5",
        "cGUiLCJpbWFnZVwvIl0seyJ4LWFtei1tZXRhLXV1aWQiOiIxNDM2NTEyMzY1MTI3NCJ9LHsi",
        "eC1hbXotc2VydmVyLXNpZGUtZW5jcnlwdGlvbiI6IkFFUzI1NiJ9LFsic3RhcnRzLXdpdGgi",
        "LCIkeC1hbXotbWV0YS10YWciLCIiXSx7IngtYW16LXNlY3VyaXR5LXRva2VuIjoiYWJKZTQ0",
        "ZEZnREVYQU1QTEUifSx7IlgtQW16LURhdGUiOiIyMDE1MTIyOVQwMDAwWiJ9LHsiWC1BbXot",
        "Q3JlZGVudGlhbCI6IkFLSUFJT1NGT0ROTjdFWEFNUExFXC8yMDE1MTIyOVwvdXMtZWFzdC0x",
        "XC9zM1wvYXdzNF9yZXF1ZXN0In0seyJYLUFtei1BbGdvcml0aG0iOiJBV1M0LUhNQUMtU0hB",
        "MjU2In1dfQ=="
    );

    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "us-east-1", policy),
        "ca86530c5c799e8fd3bf2013aaccc581bc34646d676c4b195d996b6723e2bb91"
    );
}

/// aws-sdk-php `PostObjectTest` (SigV2) with its all-`X` secret.
#[test]
fn aws_sdk_php_v2() {
    let policy = concat!(
        "eyJleHBpcmF0aW9uIjoiMjAwNy0xMi0wMVQxMjowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6",
        "eyJhY2wiOiJwdWJsaWMtcmVhZCJ9fQ=="
    );

    assert_eq!(v2(&"X".repeat(35), policy), "ffajJbr1afVRb3qoFwdn9RK+qfM=");
}

/// aws-sdk-go-v2 `TestSampleFromPublicDocs`.
#[test]
fn aws_sdk_go_v2_sample() {
    let policy = concat!(
        "eyJjb25kaXRpb25zIjpbeyJYLUFtei1BbGdvcml0aG0iOiJBV1M0LUhNQUMtU0hBMjU2In0s",
        "eyJidWNrZXQiOiJzaWd2NGV4YW1wbGVidWNrZXQifSx7IlgtQW16LUNyZWRlbnRpYWwiOiJB",
        "S0lBSU9TRk9ETk43RVhBTVBMRS8yMDE1MTIyOS91cy1lYXN0LTEvczMvYXdzNF9yZXF1ZXN0",
        "In0seyJYLUFtei1EYXRlIjoiMjAxNTEyMjlUMDAwMDAwWiJ9LFsic3RhcnRzLXdpdGgiLCIk",
        "a2V5IiwidXNlci91c2VyMS8iXSx7ImFjbCI6InB1YmxpYy1yZWFkIn0seyJzdWNjZXNzX2Fj",
        "dGlvbl9yZWRpcmVjdCI6Imh0dHA6Ly9zaWd2NGV4YW1wbGVidWNrZXQuczMuYW1hem9uYXdz",
        "LmNvbS9zdWNjZXNzZnVsX3VwbG9hZC5odG1sIn0sWyJzdGFydHMtd2l0aCIsIiRDb250ZW50",
        "LVR5cGUiLCJpbWFnZS8iXSx7IngtYW16LW1ldGEtdXVpZCI6IjE0MzY1MTIzNjUxMjc0In0s",
        "WyJzdGFydHMtd2l0aCIsIiR4LWFtei1tZXRhLXRhZyIsIiJdXSwiZXhwaXJhdGlvbiI6IjIw",
        "MTUtMTItMzBUMTI6MDA6MDBaIn0="
    );

    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "us-east-1", policy),
        "41eb7f468113e77dca133475d38815dbe1f92b073964f4a0575f036e9c02d28a"
    );
}

/// rust-s3 `sign::returns_full_details`.
#[test]
fn rust_s3_full_details() {
    let policy = concat!(
        "eyJleHBpcmF0aW9uIjoiMjAxNS0xMi0zMFQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbWyJz",
        "dGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyL3VzZXIxLyJdLFsiY29udGVudC1sZW5ndGgtcmFu",
        "Z2UiLDAsMzAwMDAwMF0seyJidWNrZXQiOiJydXN0LXMzIn0seyJ4LWFtei1hbGdvcml0aG0i",
        "OiJBV1M0LUhNQUMtU0hBMjU2In0seyJ4LWFtei1jcmVkZW50aWFsIjoiQUtJQUlPU0ZPRE5O",
        "N0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LHsieC1hbXot",
        "ZGF0ZSI6IjIwMTUxMjI5VDAwMDAwMFoifV19"
    );

    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "us-east-1", policy),
        "0ff9c50ab7e543a841e91e5c663fd32117c5243e56e7a69db88f94ee95c4706f"
    );
}

/// botocore `generate_presigned_post` with the clock frozen at 2015-12-29T00:00:00Z.
#[test]
fn botocore_sigv4_vectors() {
    let plain = concat!(
        "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBb",
        "eyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEv",
        "cGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwg",
        "eyJ4LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3Vz",
        "LWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LWFtei1kYXRlIjogIjIwMTUxMjI5VDAw",
        "MDAwMFoifV19"
    );
    let with_conditions = concat!(
        "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMzBUMDA6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBb",
        "eyJhY2wiOiAicHVibGljLXJlYWQifSwgWyJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBl",
        "IiwgImltYWdlLyJdLCB7InN1Y2Nlc3NfYWN0aW9uX3N0YXR1cyI6ICIyMDEifSwgWyJjb250",
        "ZW50LWxlbmd0aC1yYW5nZSIsIDEsIDEwNDg1NzYwXSwgeyJidWNrZXQiOiAic2lndjRleGFt",
        "cGxlYnVja2V0In0sIFsic3RhcnRzLXdpdGgiLCAiJGtleSIsICJ1c2VyL3VzZXIxLyJdLCB7",
        "IngtYW16LWFsZ29yaXRobSI6ICJBV1M0LUhNQUMtU0hBMjU2In0sIHsieC1hbXotY3JlZGVu",
        "dGlhbCI6ICJBS0lBSU9TRk9ETk43RVhBTVBMRS8yMDE1MTIyOS91cy1lYXN0LTEvczMvYXdz",
        "NF9yZXF1ZXN0In0sIHsieC1hbXotZGF0ZSI6ICIyMDE1MTIyOVQwMDAwMDBaIn1dfQ=="
    );
    let session_token = concat!(
        "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDA6MTA6MDBaIiwgImNvbmRpdGlvbnMiOiBb",
        "eyJidWNrZXQiOiAiZXhhbXBsZWJ1Y2tldCJ9LCBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAi",
        "dXBsb2Fkcy8iXSwgeyJ4LWFtei1hbGdvcml0aG0iOiAiQVdTNC1ITUFDLVNIQTI1NiJ9LCB7",
        "IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvZXUt",
        "d2VzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LCB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAw",
        "MDAwWiJ9LCB7IngtYW16LXNlY3VyaXR5LXRva2VuIjogIkZRb0daWEl2WVhkekVYQU1QTEVU",
        "T0tFTiJ9XX0="
    );

    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "us-east-1", plain),
        "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"
    );
    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "us-east-1", with_conditions),
        "8d6c5f3291247fe663c96005c653c1b497e06fa2ab78c91d1ff302ecde4c18f5"
    );
    assert_eq!(
        v4(EXAMPLE_SECRET, "20151229", "eu-west-1", session_token),
        "f74381082df4bdf1f2340fb4f6bf176f80582e24381e78c72026f7c4a6845b3c"
    );
}

/// botocore with `signature_version='s3'` (SigV2), same calls as the first two SigV4 vectors.
#[test]
fn botocore_sigv2_vectors() {
    let plain = concat!(
        "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBb",
        "eyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEv",
        "cGhvdG8uanBnIn1dfQ=="
    );
    let with_conditions = concat!(
        "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMzBUMDA6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBb",
        "eyJhY2wiOiAicHVibGljLXJlYWQifSwgWyJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBl",
        "IiwgImltYWdlLyJdLCB7InN1Y2Nlc3NfYWN0aW9uX3N0YXR1cyI6ICIyMDEifSwgWyJjb250",
        "ZW50LWxlbmd0aC1yYW5nZSIsIDEsIDEwNDg1NzYwXSwgeyJidWNrZXQiOiAic2lndjRleGFt",
        "cGxlYnVja2V0In0sIFsic3RhcnRzLXdpdGgiLCAiJGtleSIsICJ1c2VyL3VzZXIxLyJdXX0="
    );

    assert_eq!(v2(EXAMPLE_SECRET, plain), "XZCZdbLKqtDgP/ftyRPwL+dQJXg=");
    assert_eq!(
        v2(EXAMPLE_SECRET, with_conditions),
        "uSHJGsk5XTIZGcdn+Q2PkPrgZVI="
    );
}
