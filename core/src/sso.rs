//! AWS IAM Identity Center: region codes and access-portal start URLs.
//!
//! The rules are hand-written because no crate knows these URL shapes; hosts are taken apart by
//! the `url` crate first, so only the AWS-specific shape is checked here.

use url::{Host, Url};

/// An AWS partition, as far as the start URL and region must agree on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Partition {
    /// The commercial partition (`aws`).
    Commercial,
    /// AWS GovCloud (US) (`aws-us-gov`).
    GovCloud,
    /// AWS China (`aws-cn`).
    China,
}

/// Area prefixes of the commercial partition's region codes (botocore's partition pattern).
const COMMERCIAL_AREAS: &[&str] = &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"];
/// Directions that appear in region codes.
const DIRECTIONS: &[&str] = &[
    "central",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

/// The partition of a region code such as `eu-west-3`, `us-gov-west-1` or `cn-north-1`; `None`
/// when the code is not of a known partition's shape.
pub(crate) fn region_partition(region: &str) -> Option<Partition> {
    let parts: Vec<&str> = region.split('-').collect();
    let (partition, direction, number) = match parts.as_slice() {
        ["us", "gov", direction, number] => (Partition::GovCloud, direction, number),
        ["cn", direction, number] => (Partition::China, direction, number),
        [area, direction, number] if COMMERCIAL_AREAS.contains(area) => {
            (Partition::Commercial, direction, number)
        }
        _ => return None,
    };
    let number_ok = !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0');
    (DIRECTIONS.contains(direction) && number_ok).then_some(partition)
}

/// What a valid start URL says about where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StartUrl {
    /// The partition the URL belongs to.
    pub partition: Partition,
    /// The region the URL names, if it names one.
    pub region: Option<String>,
}

/// Checks an access-portal start URL; the error is a message for `details.fields.sso_start_url`.
pub(crate) fn parse_start_url(text: &str) -> Result<StartUrl, &'static str> {
    const SHAPES: &str = "must be an AWS IAM Identity Center start URL such as \
        `https://d-1234567890.awsapps.com/start` or `https://ssoins-0123456789abcdef.portal.us-east-1.app.aws`";
    // The parser quietly drops controls and spaces at the ends and tabs and newlines inside;
    // refusing them first makes the text it checks the text given, and so the text stored.
    if text.chars().any(char::is_control) || text.trim() != text {
        return Err("must not contain control characters or surrounding spaces");
    }
    let url = Url::parse(text).map_err(|_| SHAPES)?;
    if url.scheme() != "https" {
        return Err("must use `https`");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user information");
    }
    if url.port().is_some() {
        return Err("must not name a port");
    }
    if url.query().is_some() || url.fragment().is_some_and(|f| !f.is_empty() && f != "/") {
        return Err(SHAPES);
    }
    let Some(Host::Domain(host)) = url.host() else {
        return Err(SHAPES);
    };
    let path = url.path().trim_end_matches('/');
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        // https://<d-id or alias>.awsapps.com/start (and .cn)
        [alias, "awsapps", tld] if is_alias(alias) && path == "/start" => match *tld {
            "com" if *alias != "start" => Ok(StartUrl {
                partition: Partition::Commercial,
                region: None,
            }),
            "cn" => Ok(StartUrl {
                partition: Partition::China,
                region: None,
            }),
            _ => Err(SHAPES),
        },
        // https://start.[<region>.]us-gov-home.awsapps.com/directory/<id>
        ["start", rest @ .., "us-gov-home", "awsapps", "com"] if is_directory_path(path) => {
            let region = match rest {
                [] => None,
                [region] if region_partition(region) == Some(Partition::GovCloud) => {
                    Some((*region).to_owned())
                }
                _ => return Err(SHAPES),
            };
            Ok(StartUrl {
                partition: Partition::GovCloud,
                region,
            })
        }
        // https://ssoins-<16 hex>.portal.<region>.app.aws (and the China form .app.amazonaws.com.cn)
        [instance, "portal", region, "app", tail @ ..]
            if is_instance(instance) && path.is_empty() =>
        {
            let partition = region_partition(region).ok_or(SHAPES)?;
            let tail_ok = match partition {
                Partition::China => tail == ["amazonaws", "com", "cn"],
                Partition::Commercial | Partition::GovCloud => tail == ["aws"],
            };
            tail_ok
                .then(|| StartUrl {
                    partition,
                    region: Some((*region).to_owned()),
                })
                .ok_or(SHAPES)
        }
        _ => Err(SHAPES),
    }
}

/// `d-` followed by 10 hex digits, or an alias: 1 to 63 of `a-z0-9-`, not at the ends.
fn is_alias(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// `ssoins-` followed by 16 hex digits.
fn is_instance(label: &str) -> bool {
    label
        .strip_prefix("ssoins-")
        .is_some_and(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `/directory/<id>` with a non-empty id of letters, digits and `-`.
fn is_directory_path(path: &str) -> bool {
    path.strip_prefix("/directory/").is_some_and(|id| {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_of_known_partitions() {
        for region in [
            "us-east-1",
            "eu-west-3",
            "ap-southeast-2",
            "il-central-1",
            "mx-central-1",
        ] {
            assert_eq!(
                region_partition(region),
                Some(Partition::Commercial),
                "{region}"
            );
        }
        assert_eq!(region_partition("us-gov-west-1"), Some(Partition::GovCloud));
        assert_eq!(region_partition("cn-northwest-1"), Some(Partition::China));
        for region in [
            "",
            "us-east",
            "xx-east-1",
            "us-east-01",
            "US-EAST-1",
            "eu-up-1",
            "us-east-1a",
        ] {
            assert_eq!(region_partition(region), None, "{region}");
        }
    }

    #[test]
    fn start_urls_of_every_documented_shape() {
        let ok = [
            (
                "https://d-1234567890.awsapps.com/start",
                Partition::Commercial,
                None,
            ),
            (
                "https://my-company.awsapps.com/start/",
                Partition::Commercial,
                None,
            ),
            (
                "https://my-company.awsapps.com/start#/",
                Partition::Commercial,
                None,
            ),
            (
                "https://start.us-gov-home.awsapps.com/directory/d-9067c21b1a",
                Partition::GovCloud,
                None,
            ),
            (
                "https://start.us-gov-west-1.us-gov-home.awsapps.com/directory/d-9067c21b1a",
                Partition::GovCloud,
                Some("us-gov-west-1"),
            ),
            (
                "https://ssoins-0123456789abcdef.portal.eu-west-3.app.aws",
                Partition::Commercial,
                Some("eu-west-3"),
            ),
            (
                "https://d-1234567890.awsapps.cn/start",
                Partition::China,
                None,
            ),
            (
                "https://ssoins-0123456789abcdef.portal.cn-north-1.app.amazonaws.com.cn",
                Partition::China,
                Some("cn-north-1"),
            ),
        ];
        for (url, partition, region) in ok {
            let parsed = parse_start_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(parsed.partition, partition, "{url}");
            assert_eq!(parsed.region.as_deref(), region, "{url}");
        }
    }

    #[test]
    fn start_urls_that_are_refused() {
        let bad = [
            "http://d-1234567890.awsapps.com/start",
            "https://user:pw@d-1234567890.awsapps.com/start",
            "https://d-1234567890.awsapps.com:8443/start",
            "https://d-1234567890.awsapps.com/begin",
            "https://evil.example.com/start",
            "https://d-1234567890.awsapps.com.evil.com/start",
            "https://ssoins-0123.portal.us-east-1.app.aws",
            "https://ssoins-0123456789abcdef.portal.nowhere-1.app.aws",
            "https://ssoins-0123456789abcdef.portal.cn-north-1.app.aws",
            "https://start.eu-west-1.us-gov-home.awsapps.com/directory/d-1",
            "https://d-1234567890.awsapps.com/start?x=1",
            "not a url",
            "https://d-12345\t67890.awsapps.com/start",
            "https://d-1234567890.awsapps.com/st\nart",
            "\u{0}https://d-1234567890.awsapps.com/start",
            " https://d-1234567890.awsapps.com/start",
        ];
        for url in bad {
            assert!(parse_start_url(url).is_err(), "{url}");
        }
    }
}
