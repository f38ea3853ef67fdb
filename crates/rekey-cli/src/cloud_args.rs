//! `--cloud` and `--ca-file`: which cloud to sign in to, and the CA a custom cloud is served under.

use std::path::PathBuf;

use clap::Args;
use rekey_core::cloud::CloudSetting;

use crate::error::CliError;

#[derive(Args, Debug, Default)]
pub struct CloudArgs {
    /// public, china, usgov, or the https URL of a custom cloud's ARM metadata
    /// (https://<arm-host>/metadata/endpoints?api-version=2022-09-01). Default: public.
    #[arg(long, global = true, value_name = "CLOUD", value_parser = parse_cloud)]
    pub cloud: Option<CloudSetting>,
    /// A PEM file with the certificate authority of a custom cloud (trusted besides the system's).
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

fn parse_cloud(s: &str) -> Result<CloudSetting, String> {
    CloudSetting::parse_cli(s).map_err(|e| e.to_string())
}

impl CloudArgs {
    /// The cloud to sign in to; the CA file is saved with the account by its absolute path, so that
    /// later commands run from elsewhere still find it.
    pub fn setting(&self) -> Result<CloudSetting, CliError> {
        let cloud = self.cloud.clone().unwrap_or(CloudSetting::Public);
        match (cloud, &self.ca_file) {
            (cloud, None) => Ok(cloud),
            (CloudSetting::Custom { metadata_url, .. }, Some(ca)) => {
                let ca = std::path::absolute(ca)
                    .map_err(|e| CliError::usage(format!("--ca-file {}: {e}", ca.display())))?;
                Ok(CloudSetting::Custom {
                    metadata_url,
                    ca_file: Some(ca.to_string_lossy().into_owned()),
                })
            }
            (_, Some(_)) => Err(CliError::usage(
                "--ca-file is for a custom cloud: give --cloud the https URL of its metadata as well",
            )),
        }
    }

    /// Whether an account on `cloud` is one the command was limited to (all, without `--cloud`).
    pub fn includes(&self, cloud: &CloudSetting) -> bool {
        match (&self.cloud, cloud) {
            (None, _) => true,
            (
                Some(CloudSetting::Custom {
                    metadata_url: wanted, ..
                }),
                CloudSetting::Custom { metadata_url, .. },
            ) => wanted == metadata_url,
            (Some(wanted), cloud) => wanted == cloud,
        }
    }
}

/// A cloud in a few words, for messages and tables.
pub fn describe(cloud: &CloudSetting) -> String {
    match cloud {
        CloudSetting::Public => "Azure (public)".into(),
        CloudSetting::China => "Azure China".into(),
        CloudSetting::UsGov => "Azure US Government".into(),
        CloudSetting::Custom { metadata_url, .. } => url::Url::parse(metadata_url)
            .ok()
            .and_then(|u| u.host_str().map(|h| format!("custom cloud {h}{}", port(&u))))
            .unwrap_or_else(|| format!("custom cloud {metadata_url}")),
    }
}

fn port(u: &url::Url) -> String {
    u.port().map(|p| format!(":{p}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(url: &str) -> CloudSetting {
        CloudSetting::Custom {
            metadata_url: url.into(),
            ca_file: None,
        }
    }

    #[test]
    fn the_ca_file_goes_with_a_custom_cloud_only() {
        let args = CloudArgs {
            cloud: Some(custom(
                "https://arm.example/metadata/endpoints?api-version=2022-09-01",
            )),
            ca_file: Some("ca.pem".into()),
        };
        match args.setting() {
            Ok(CloudSetting::Custom {
                ca_file: Some(ca), ..
            }) => {
                assert!(std::path::Path::new(&ca).is_absolute(), "{ca}");
                assert!(ca.ends_with("ca.pem"));
            }
            other => panic!("{other:?}"),
        }
        let public = CloudArgs {
            cloud: None,
            ca_file: Some("ca.pem".into()),
        };
        assert!(matches!(public.setting(), Err(CliError::Usage(_))));
    }

    #[test]
    fn accounts_are_matched_by_cloud_ignoring_the_ca_file() {
        let url = "https://arm.example/metadata/endpoints?api-version=2022-09-01";
        let args = CloudArgs {
            cloud: Some(custom(url)),
            ca_file: None,
        };
        let saved = CloudSetting::Custom {
            metadata_url: url.into(),
            ca_file: Some("/ca.pem".into()),
        };
        assert!(args.includes(&saved));
        assert!(!args.includes(&CloudSetting::Public));
        assert!(CloudArgs::default().includes(&CloudSetting::China));
        assert_eq!(describe(&saved), "custom cloud arm.example");
    }
}
