//! Credentials: where the access key comes from, and the one type that holds the secret.
//!
//! Credentials never live in profiles. They are looked up when a command signs, first in the
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then in the
//! shared credentials file. The secret travels as a [`Secret`], whose `Debug` is redacted and
//! which has no `Display`, so it cannot reach an output, a log or an error by accident.

use std::fmt;
use std::path::PathBuf;

/// A secret access key. Printing it with `{:?}` shows only that it is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret access key.
    pub fn new(secret: String) -> Secret {
        Secret(secret)
    }

    /// The secret itself, for the signers only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The public half of a credential: what goes into the policy and the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    /// The access key id, sent in `x-amz-credential` or `AWSAccessKeyId`.
    pub id: String,
    /// The session token of temporary credentials, sent in `x-amz-security-token`.
    pub session_token: Option<String>,
}

/// An access key with its secret.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The public half.
    pub access_key: AccessKey,
    /// The secret access key.
    pub secret: Secret,
}

/// Why no credentials could be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    /// Neither the environment nor the shared credentials file holds a usable credential.
    NotFound {
        /// Every place looked at, in order, with what was missing there.
        looked: Vec<String>,
    },
    /// The shared credentials file exists but could not be read.
    Unreadable { path: PathBuf, reason: String },
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotFound { looked } => {
                writeln!(f, "no AWS credentials found; looked in:")?;
                for place in looked {
                    writeln!(f, "  - {place}")?;
                }
                write!(
                    f,
                    "set `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, or add the profile to \
                     the shared credentials file"
                )
            }
            CredentialsError::Unreadable { path, reason } => {
                write!(
                    f,
                    "cannot read the credentials file `{}`: {reason}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for CredentialsError {}

/// Where to look for credentials: the process environment, read through a function so tests
/// can pass their own.
pub struct CredentialSources<'a> {
    /// Reads an environment variable; empty values count as unset.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// The named profile of `--aws-profile`, which beats `AWS_PROFILE`.
    pub aws_profile: Option<&'a str>,
    /// The home directory, for `~/.aws/credentials`.
    pub home: Option<PathBuf>,
}

impl Credentials {
    /// Finds credentials as the contract says: the environment first, then the shared
    /// credentials file under `--aws-profile`, `AWS_PROFILE` or `default`.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::NotFound`] names every place looked at; the secret is never part of
    /// an error.
    pub fn find(sources: &CredentialSources<'_>) -> Result<Credentials, CredentialsError> {
        let var = |name: &str| (sources.var)(name).filter(|value| !value.is_empty());
        let mut looked = Vec::new();

        match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => {
                return Ok(Credentials {
                    access_key: AccessKey {
                        id,
                        session_token: var("AWS_SESSION_TOKEN"),
                    },
                    secret: Secret::new(secret),
                });
            }
            (Some(_), None) => looked.push(
                "the environment: `AWS_ACCESS_KEY_ID` is set but `AWS_SECRET_ACCESS_KEY` is not"
                    .to_owned(),
            ),
            (None, Some(_)) => looked.push(
                "the environment: `AWS_SECRET_ACCESS_KEY` is set but `AWS_ACCESS_KEY_ID` is not"
                    .to_owned(),
            ),
            (None, None) => looked.push(
                "the environment: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are not set"
                    .to_owned(),
            ),
        }

        let profile = sources
            .aws_profile
            .map(str::to_owned)
            .or_else(|| var("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let path = match var("AWS_SHARED_CREDENTIALS_FILE") {
            Some(path) => PathBuf::from(path),
            None => match &sources.home {
                Some(home) => home.join(".aws").join("credentials"),
                None => {
                    looked.push("the shared credentials file: no home directory is known".into());
                    return Err(CredentialsError::NotFound { looked });
                }
            },
        };

        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                looked.push(format!("`{}`: no such file", path.display()));
                return Err(CredentialsError::NotFound { looked });
            }
            Err(error) => {
                return Err(CredentialsError::Unreadable {
                    path,
                    reason: error.to_string(),
                });
            }
        };

        let section = parse_ini_section(&text, &profile);
        let get = |key: &str| {
            section
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
                .map(|(_, value)| value.clone())
                .filter(|value| !value.is_empty())
        };
        match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(id), Some(secret)) => Ok(Credentials {
                access_key: AccessKey {
                    id,
                    session_token: get("aws_session_token"),
                },
                secret: Secret::new(secret),
            }),
            _ if section.is_empty() => {
                looked.push(format!("`{}`: no profile `[{profile}]`", path.display()));
                Err(CredentialsError::NotFound { looked })
            }
            _ => {
                looked.push(format!(
                    "`{}`: profile `[{profile}]` lacks `aws_access_key_id` or \
                     `aws_secret_access_key`",
                    path.display()
                ));
                Err(CredentialsError::NotFound { looked })
            }
        }
    }
}

/// The `key = value` pairs of one `[section]` of an INI file, in file order.
fn parse_ini_section(text: &str, wanted: &str) -> Vec<(String, String)> {
    let mut in_section = false;
    let mut pairs = Vec::new();

    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            in_section = header.trim() == wanted;
            continue;
        }
        if in_section && let Some((key, value)) = line.split_once('=') {
            pairs.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn find(
        vars: &[(&str, &str)],
        aws_profile: Option<&str>,
    ) -> Result<Credentials, CredentialsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| vars.get(name).cloned();
        Credentials::find(&CredentialSources {
            var: &lookup,
            aws_profile,
            home: None,
        })
    }

    #[test]
    fn environment_wins() {
        let found = find(
            &[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
                ("AWS_SESSION_TOKEN", "tok"),
            ],
            None,
        )
        .unwrap();

        assert_eq!(found.access_key.id, "AKID");
        assert_eq!(found.access_key.session_token.as_deref(), Some("tok"));
        assert_eq!(found.secret.expose(), "s3cr3t");
    }

    #[test]
    fn shared_file_profile_is_chosen_by_flag_then_env_then_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(
            &path,
            "[default]\naws_access_key_id = DEF\naws_secret_access_key = d\n\n\
             [ci]\naws_access_key_id=CI\naws_secret_access_key=c\naws_session_token = t\n",
        )
        .unwrap();
        let file = path.to_str().unwrap();

        let default = find(&[("AWS_SHARED_CREDENTIALS_FILE", file)], None).unwrap();
        let by_env = find(
            &[("AWS_SHARED_CREDENTIALS_FILE", file), ("AWS_PROFILE", "ci")],
            None,
        )
        .unwrap();
        let by_flag = find(
            &[
                ("AWS_SHARED_CREDENTIALS_FILE", file),
                ("AWS_PROFILE", "nope"),
            ],
            Some("default"),
        )
        .unwrap();

        assert_eq!(default.access_key.id, "DEF");
        assert_eq!(by_env.access_key.id, "CI");
        assert_eq!(by_env.access_key.session_token.as_deref(), Some("t"));
        assert_eq!(by_flag.access_key.id, "DEF");
    }

    #[test]
    fn missing_credentials_say_where_they_were_looked_for() {
        let error = find(
            &[("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")],
            None,
        )
        .unwrap_err()
        .to_string();

        assert!(error.contains("AWS_ACCESS_KEY_ID"), "{error}");
        assert!(error.contains("/nonexistent/credentials"), "{error}");
    }

    #[test]
    fn half_set_environment_is_named() {
        let error = find(
            &[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ],
            None,
        )
        .unwrap_err()
        .to_string();

        assert!(error.contains("`AWS_SECRET_ACCESS_KEY` is not"), "{error}");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let credentials = Credentials {
            access_key: AccessKey {
                id: "AKID".into(),
                session_token: None,
            },
            secret: Secret::new("hunter2-very-secret".into()),
        };
        let printed = format!("{credentials:?}");

        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("AKID"), "{printed}");
    }
}
