//! Validation of the request body: every field rule of the contract, every problem at once.

use std::collections::BTreeMap;

use email_address::{EmailAddress, Options};
use oxilangtag::LanguageTag;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::model::CreateTenantRequest;
use crate::{slug, sso};

/// The largest body accepted, in bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest tenant name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest owner name, in characters.
pub const MAX_OWNER_NAME_CHARS: usize = 200;
/// The longest email address, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The locale of a tenant that names none.
pub const DEFAULT_LOCALE: &str = "en";

const FIELDS: [&str; 7] = [
    "name",
    "slug",
    "owner_email",
    "owner_name",
    "locale",
    "sso_start_url",
    "sso_region",
];

/// Where the slug comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugChoice {
    /// Given by the caller, folded; a conflict is a 409.
    Given(String),
    /// Derived from the name; a conflict picks a free variant.
    Derived(String),
}

impl SlugChoice {
    /// The slug asked for (or derived), lowercase.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Given(slug) | Self::Derived(slug) => slug,
        }
    }
}

/// SSO settings that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sso {
    /// The start URL as given.
    pub start_url: String,
    /// The region code.
    pub region: String,
}

/// A request that passed every field rule, in normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTenant {
    /// Trimmed name.
    pub name: String,
    /// The slug asked for or derived.
    pub slug: SlugChoice,
    /// The email with its domain in lowercase.
    pub owner_email: String,
    /// The email's domain, lowercase.
    pub owner_email_domain: String,
    /// Trimmed owner name.
    pub owner_name: String,
    /// Canonical BCP 47 tag.
    pub locale: String,
    /// SSO, when configured.
    pub sso: Option<Sso>,
}

/// Parses a JSON body and validates it, reporting shape and value problems together.
pub fn parse_and_validate(body: &[u8]) -> Result<ValidTenant, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    validate_value(&value)
}

/// Validates a body that is already JSON, by the rules of [`parse_and_validate`] (which calls
/// it): the browser preview hands the form's draft here, so it answers as the server does.
pub fn validate_value(value: &Value) -> Result<ValidTenant, ApiError> {
    let Value::Object(object) = value else {
        let mut problems = BTreeMap::new();
        problems.insert("body".to_owned(), "must be a JSON object".to_owned());
        return Err(ApiError::InvalidFields(problems));
    };
    let mut problems = BTreeMap::new();
    for key in object.keys() {
        if !FIELDS.contains(&key.as_str()) {
            problems.insert(key.clone(), "is not a known field".to_owned());
        }
    }
    let mut text = |field: &str| string_field(object, field, &mut problems);
    let fields = Fields {
        name: text("name"),
        slug: text("slug"),
        owner_email: text("owner_email"),
        owner_name: text("owner_name"),
        locale: text("locale"),
        sso_start_url: text("sso_start_url"),
        sso_region: text("sso_region"),
    };
    check(fields, problems)
}

/// Validates a typed request (the in-process API), by the same rules as a JSON body.
pub fn validate(request: &CreateTenantRequest) -> Result<ValidTenant, ApiError> {
    let fields = Fields {
        name: Field::Text(&request.name),
        slug: Field::from_option(request.slug.as_deref()),
        owner_email: Field::Text(&request.owner_email),
        owner_name: Field::Text(&request.owner_name),
        locale: Field::from_option(request.locale.as_deref()),
        sso_start_url: Field::from_option(request.sso_start_url.as_deref()),
        sso_region: Field::from_option(request.sso_region.as_deref()),
    };
    check(fields, BTreeMap::new())
}

/// One field as found in the body.
#[derive(Clone, Copy)]
enum Field<'a> {
    Absent,
    Text(&'a str),
    /// Present with the wrong type; its problem is already recorded.
    Wrong,
}

impl<'a> Field<'a> {
    fn from_option(value: Option<&'a str>) -> Self {
        value.map_or(Self::Absent, Self::Text)
    }
}

struct Fields<'a> {
    name: Field<'a>,
    slug: Field<'a>,
    owner_email: Field<'a>,
    owner_name: Field<'a>,
    locale: Field<'a>,
    sso_start_url: Field<'a>,
    sso_region: Field<'a>,
}

fn string_field<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    problems: &mut BTreeMap<String, String>,
) -> Field<'a> {
    match object.get(field) {
        None | Some(Value::Null) => Field::Absent,
        Some(Value::String(text)) => Field::Text(text),
        Some(_) => {
            problems.insert(field.to_owned(), "must be a string".to_owned());
            Field::Wrong
        }
    }
}

/// Collects field problems in a map; each rule function returns the value or records why not.
struct Problems(BTreeMap<String, String>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    fn required<'a>(&mut self, field: &str, value: Field<'a>) -> Option<&'a str> {
        match value {
            Field::Text(text) => Some(text),
            Field::Absent => {
                self.add(field, "is required");
                None
            }
            Field::Wrong => None,
        }
    }
}

fn check(fields: Fields<'_>, problems: BTreeMap<String, String>) -> Result<ValidTenant, ApiError> {
    let mut problems = Problems(problems);
    let name = problems
        .required("name", fields.name)
        .and_then(|name| plain_text(&mut problems, "name", name, MAX_NAME_CHARS));
    let slug = match fields.slug {
        Field::Text(given) => given_slug(&mut problems, given),
        Field::Absent => name
            .as_deref()
            .map(|n| SlugChoice::Derived(slug::derive_from_name(n))),
        Field::Wrong => None,
    };
    let owner_email = problems
        .required("owner_email", fields.owner_email)
        .and_then(|email| email_address(&mut problems, email));
    let owner_name = problems
        .required("owner_name", fields.owner_name)
        .and_then(|owner| plain_text(&mut problems, "owner_name", owner, MAX_OWNER_NAME_CHARS));
    let locale = match fields.locale {
        Field::Text(tag) => locale(&mut problems, tag),
        Field::Absent => Some(DEFAULT_LOCALE.to_owned()),
        Field::Wrong => None,
    };
    let sso = sso_settings(&mut problems, fields.sso_start_url, fields.sso_region);
    match (name, slug, owner_email, owner_name, locale, sso) {
        (
            Some(name),
            Some(slug),
            Some((owner_email, domain)),
            Some(owner_name),
            Some(locale),
            Some(sso),
        ) if problems.0.is_empty() => Ok(ValidTenant {
            name,
            slug,
            owner_email,
            owner_email_domain: domain,
            owner_name,
            locale,
            sso,
        }),
        _ => Err(ApiError::InvalidFields(problems.0)),
    }
}

fn plain_text(problems: &mut Problems, field: &str, text: &str, max: usize) -> Option<String> {
    let trimmed = text.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > max {
        problems.add(
            field,
            format!("must be 1 to {max} characters long after trimming"),
        );
        None
    } else if trimmed.chars().any(char::is_control) {
        problems.add(field, "must not contain control characters");
        None
    } else {
        Some(trimmed.to_owned())
    }
}

fn given_slug(problems: &mut Problems, given: &str) -> Option<SlugChoice> {
    let folded = slug::fold(given);
    match slug::rule_violation(&folded) {
        Some(message) => {
            problems.add("slug", message);
            None
        }
        None => Some(SlugChoice::Given(folded)),
    }
}

/// Returns the address with its domain in lowercase, and the domain.
fn email_address(problems: &mut Problems, email: &str) -> Option<(String, String)> {
    if email.chars().count() > MAX_EMAIL_CHARS {
        problems.add(
            "owner_email",
            format!("must be at most {MAX_EMAIL_CHARS} characters long"),
        );
        return None;
    }
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        ..Options::default()
    };
    match EmailAddress::parse_with_options(email, options) {
        Ok(address) => {
            let domain = address.domain().to_lowercase();
            Some((format!("{}@{domain}", address.local_part()), domain))
        }
        Err(_) => {
            problems.add(
                "owner_email",
                "must be a valid email address such as `owner@example.com`",
            );
            None
        }
    }
}

fn locale(problems: &mut Problems, tag: &str) -> Option<String> {
    match LanguageTag::parse_and_normalize(tag) {
        Ok(tag) => Some(tag.into_inner()),
        Err(_) => {
            problems.add(
                "locale",
                "must be a BCP 47 language tag such as `en` or `fr-CA`",
            );
            None
        }
    }
}

/// `Some(None)`: no SSO; `Some(Some(_))`: valid SSO; `None`: a problem was recorded.
fn sso_settings(
    problems: &mut Problems,
    start_url: Field<'_>,
    region: Field<'_>,
) -> Option<Option<Sso>> {
    let (url, region) = match (start_url, region) {
        (Field::Absent, Field::Absent) => return Some(None),
        (Field::Text(url), Field::Text(region)) => (url, region),
        (Field::Text(_), Field::Absent) => {
            problems.add("sso_region", "is required when `sso_start_url` is given");
            return None;
        }
        (Field::Absent, Field::Text(_)) => {
            problems.add("sso_start_url", "is required when `sso_region` is given");
            return None;
        }
        _ => return None,
    };
    let region_partition = sso::region_partition(region);
    if region_partition.is_none() {
        problems.add(
            "sso_region",
            "must be an AWS region code such as `us-east-1` or `eu-west-3`",
        );
    }
    let parsed = sso::parse_start_url(url)
        .map_err(|message| problems.add("sso_start_url", message))
        .ok()?;
    let region_partition = region_partition?;
    if let Some(named) = parsed.region.as_deref().filter(|named| *named != region) {
        problems.add(
            "sso_region",
            format!("must be `{named}`, the region the start URL names"),
        );
        return None;
    }
    if parsed.partition != region_partition {
        problems.add(
            "sso_region",
            "must be a region of the start URL's AWS partition",
        );
        return None;
    }
    Some(Some(Sso {
        start_url: url.to_owned(),
        region: region.to_owned(),
    }))
}
