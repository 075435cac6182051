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
    // The first five parts, without collecting them: no region has more than four.
    let mut parts = region.split('-');
    let parts = [(); 5].map(|()| parts.next());
    let (partition, direction, number) = match parts {
        [Some("us"), Some("gov"), Some(direction), Some(number), None] => {
            (Partition::GovCloud, direction, number)
        }
        [Some("cn"), Some(direction), Some(number), None, _] => {
            (Partition::China, direction, number)
        }
        [Some(area), Some(direction), Some(number), None, _]
            if COMMERCIAL_AREAS.contains(&area) =>
        {
            (Partition::Commercial, direction, number)
        }
        _ => return None,
    };
    let number_ok = !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0');
    (DIRECTIONS.contains(&direction) && number_ok).then_some(partition)
}

/// What a valid start URL says about where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StartUrl {
    /// The partition the URL belongs to.
    pub partition: Partition,
    /// The region the URL names, if it names one.
    pub region: Option<String>,
}

/// The message for a start URL of none of the shapes.
const SHAPES: &str = "must be an AWS IAM Identity Center start URL such as \
    `https://d-1234567890.awsapps.com/start` or `https://ssoins-0123456789abcdef.portal.us-east-1.app.aws`";

/// Checks an access-portal start URL; the error is a message for `details.fields.sso_start_url`.
pub(crate) fn parse_start_url(text: &str) -> Result<StartUrl, &'static str> {
    // The parser quietly drops controls and spaces at the ends and tabs and newlines inside;
    // refusing them first makes the text it checks the text given, and so the text stored.
    if text.chars().any(char::is_control) || text.trim() != text {
        return Err("must not contain control characters or surrounding spaces");
    }
    if let Some((host, path)) = plain_https(text) {
        return start_url_of(host, path);
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
    start_url_of(host, url.path())
}

/// The host and path of a URL written plainly: `https://`, a host of lowercase letters, digits,
/// `-` and dots whose labels are not empty and do not start `xn--` and whose last label is
/// letters, a path of letters, digits, `-` and `/`, and at most a fragment `#` or `#/`: the form
/// of the start URLs AWS gives out. `Url::parse` finds exactly this host and this path in such
/// a text, and nothing else (no user, port or query): `plain_urls_are_read_as_url_reads_them`
/// holds it to that. So it need not be asked, which was most of the time of checking a start
/// URL. `None` for any other text, which `Url::parse` reads.
fn plain_https(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("https://")?;
    let rest = rest
        .strip_suffix("#/")
        .or_else(|| rest.strip_suffix('#'))
        .unwrap_or(rest);
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let plain_label = |label: &str| {
        !label.is_empty()
            && !label.starts_with("xn--")
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    // A last label of digits (or `0x` and hex) would make the host an IPv4 address.
    let last_is_letters = host
        .rsplit('.')
        .next()
        .is_some_and(|last| last.bytes().all(|b| b.is_ascii_lowercase()));
    let plain = host.split('.').all(plain_label)
        && last_is_letters
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/');
    plain.then_some((host, path))
}

/// The start URL a host and path make, if they are of one of the shapes.
fn start_url_of(host: &str, path: &str) -> Result<StartUrl, &'static str> {
    let path = path.trim_end_matches('/');
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
    use proptest::prelude::*;

    use super::*;

    /// A URL-like text near the plain form: schemes, labels, paths and fragments that are plain,
    /// and others that are almost (capitals, `xn--`, numbers, ports, users, queries, dots, `%`).
    fn url_text() -> impl Strategy<Value = String> {
        let scheme = prop_oneof![
            4 => Just("https://"),
            1 => Just("http://"),
            1 => Just("HTTPS://"),
            1 => Just("https:/"),
        ];
        let label = prop_oneof![
            8 => "[a-z0-9-]{1,8}",
            1 => Just("xn--80ak6aa92e".to_owned()),
            1 => Just("xn--a".to_owned()),
            1 => "[A-Za-z]{1,4}",
            1 => "[0-9]{1,3}",
            1 => Just("0x1f".to_owned()),
            1 => Just(String::new()),
            1 => "[a-z]{60,70}",
            1 => "[a-z%:@_.~]{1,4}",
        ];
        let host = prop::collection::vec(label, 1..6).prop_map(|labels| labels.join("."));
        let path = prop::collection::vec(
            prop_oneof![
                6 => "[A-Za-z0-9-]{0,8}",
                1 => Just(".".to_owned()),
                1 => Just("..".to_owned()),
                1 => "[a-z%?#;:.]{1,3}",
            ],
            0..4,
        )
        .prop_map(|segments| segments.iter().map(|s| format!("/{s}")).collect::<String>());
        let tail = prop_oneof![
            4 => Just(""),
            1 => Just("#"),
            1 => Just("#/"),
            1 => Just("#x"),
            1 => Just("?a=1"),
            1 => Just(":443"),
        ];
        (scheme, host, path, tail)
            .prop_map(|(scheme, host, path, tail)| format!("{scheme}{host}{path}{tail}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// What `plain_https` reads from a text is what `Url::parse` reads from it: the same
        /// host and path, and no user, port, query or fragment beyond `#` or `#/`.
        #[test]
        fn plain_urls_are_read_as_url_reads_them(text in url_text()) {
            if let Some((host, path)) = plain_https(&text) {
                let url = Url::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(url.scheme(), "https");
                prop_assert_eq!(url.username(), "");
                prop_assert_eq!(url.password(), None);
                prop_assert_eq!(url.port(), None);
                prop_assert_eq!(url.query(), None);
                prop_assert!(matches!(url.fragment(), None | Some("" | "/")), "{}", text);
                prop_assert_eq!(url.host(), Some(Host::Domain(host)));
                prop_assert_eq!(url.path().trim_end_matches('/'), path.trim_end_matches('/'));
            }
        }
    }

    #[test]
    fn the_start_urls_aws_gives_out_are_plain() {
        for url in [
            "https://d-1234567890.awsapps.com/start",
            "https://my-company.awsapps.com/start/",
            "https://my-company.awsapps.com/start#/",
            "https://start.us-gov-west-1.us-gov-home.awsapps.com/directory/d-9067c21b1a",
            "https://ssoins-0123456789abcdef.portal.eu-west-3.app.aws",
            "https://ssoins-0123456789abcdef.portal.cn-north-1.app.amazonaws.com.cn",
        ] {
            assert!(plain_https(url).is_some(), "{url}");
        }
        for url in [
            "https://D-1234567890.awsapps.com/start",
            "https://xn--80ak6aa92e.awsapps.com/start",
            "https://d-1234567890.awsapps.com/./start",
            "https://d-1234567890.awsapps.com:443/start",
            "https://d-1234567890.awsapps.com/start?x",
            "https://10.0.0.1/start",
        ] {
            assert!(plain_https(url).is_none(), "{url}");
        }
    }

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
