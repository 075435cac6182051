//! Validation of the request body: every field rule of the contract, every problem at once.

use std::collections::BTreeMap;

use oxilangtag::LanguageTag;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::fields::CreateTenantRequest;
use crate::fields::{self, Field, RawFields};
use crate::{email, json, slug, sso, text};

/// The largest body accepted, in bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest tenant name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 100;
/// The longest owner name, in characters.
pub(crate) const MAX_OWNER_NAME_CHARS: usize = 200;
/// The longest locale, in characters: RFC 5646 (4.4.1) asks every implementation to handle
/// tags of up to 35 characters, and no language, script and region together need more.
pub(crate) const MAX_LOCALE_CHARS: usize = 35;
/// The locale of a tenant that names none.
pub(crate) const DEFAULT_LOCALE: &str = "en";
/// How many unknown fields an error lists; it counts the rest, so that a body of many unknown
/// keys does not get an answer larger than itself.
pub(crate) const MAX_LISTED_UNKNOWN_FIELDS: usize = 20;
/// How much of an unknown field's name an error shows, in characters.
pub(crate) const MAX_SHOWN_NAME_CHARS: usize = 64;

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
    /// The start URL as given (trimmed), which is exactly the text that was checked.
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

/// Parses a JSON body and validates it, reporting shape and value problems together. A body
/// with a duplicate key is malformed: which of the two values was meant is not for us to guess.
pub fn parse_and_validate(body: &[u8]) -> Result<ValidTenant, ApiError> {
    let value = json::from_slice(body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    validate_value(&value)
}

/// Validates a body that is already JSON, by the rules of [`parse_and_validate`] (which calls
/// it): the browser preview hands the form's draft here, so it answers as the server does.
pub(crate) fn validate_value(value: &Value) -> Result<ValidTenant, ApiError> {
    let (object, mut problems) = body_object(value, |key| {
        (!fields::is_known(key)).then_some(UNKNOWN_FIELD)
    })?;
    let mut wrong_type = BTreeMap::new();
    let raw = RawFields::of_object(object, |field| {
        wrong_type.insert(field.to_owned(), WRONG_TYPE.to_owned());
    });
    problems.fields.extend(wrong_type);
    check(raw, problems)
}

/// Validates a typed request (the in-process API), by the same rules as a JSON body.
pub fn validate(request: &CreateTenantRequest) -> Result<ValidTenant, ApiError> {
    check(RawFields::of_request(request), Problems::default())
}

/// The message for a field given as another JSON type than a string.
const WRONG_TYPE: &str = "must be a string";

/// The message for a key that is no field of the body.
pub(crate) const UNKNOWN_FIELD: &str = "is not a known field";

/// A body's JSON object, with a problem recorded for each key `refusal` refuses (its message;
/// `None` accepts the key): at most [`MAX_LISTED_UNKNOWN_FIELDS`] are listed, by name cut to
/// [`MAX_SHOWN_NAME_CHARS`], and the rest counted. Anything but an object is refused at once.
pub(crate) fn body_object(
    value: &Value,
    refusal: impl Fn(&str) -> Option<&'static str>,
) -> Result<(&Map<String, Value>, Problems), ApiError> {
    let Value::Object(object) = value else {
        let mut problems = Problems::default();
        problems.add("body", "must be a JSON object");
        return Err(problems.into_error());
    };
    let mut problems = Problems::default();
    let mut refused: Vec<(&String, &'static str)> = object
        .keys()
        .filter_map(|key| refusal(key).map(|message| (key, message)))
        .collect();
    refused.sort_unstable();
    for (key, message) in refused.iter().take(MAX_LISTED_UNKNOWN_FIELDS) {
        let shown: String = key.chars().take(MAX_SHOWN_NAME_CHARS).collect();
        problems.add(&shown, *message);
    }
    problems.unlisted_unknown = refused.len().saturating_sub(MAX_LISTED_UNKNOWN_FIELDS);
    Ok((object, problems))
}

/// Collects field problems in a map; each rule function returns the value or records why not.
#[derive(Default)]
pub(crate) struct Problems {
    pub(crate) fields: BTreeMap<String, String>,
    unlisted_unknown: usize,
}

impl Problems {
    /// The 400 that lists every problem.
    pub(crate) fn into_error(self) -> ApiError {
        ApiError::InvalidFields {
            fields: self.fields,
            unlisted_unknown: self.unlisted_unknown,
        }
    }

    /// Records a problem of a field, unless it has one already.
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// A string field of a JSON body that must be given: absent or `null` is "is required", any
    /// other type "must be a string", as for the fields of a create.
    pub(crate) fn required_string<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        field: &str,
    ) -> Option<&'a str> {
        let value = Field::of_object(object, field, |name| self.add(name, WRONG_TYPE));
        self.required(field, value)
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

/// Applies every field's rule. `raw` is taken apart without `..`, so a field added to
/// [`RawFields`] does not compile until it has a rule here.
fn check(raw: RawFields<'_>, mut problems: Problems) -> Result<ValidTenant, ApiError> {
    let RawFields {
        name,
        owner_email,
        owner_name,
        slug,
        locale,
        sso_start_url,
        sso_region,
    } = raw;
    let name = problems
        .required("name", name)
        .and_then(|name| plain_text(&mut problems, "name", name, MAX_NAME_CHARS));
    let slug = match slug {
        Field::Text(given) => given_slug(&mut problems, given),
        Field::Absent => name
            .as_deref()
            .map(|n| SlugChoice::Derived(slug::derive_from_name(n))),
        Field::Wrong => None,
    };
    let owner_email = problems
        .required("owner_email", owner_email)
        .and_then(|address| {
            email::parse(address)
                .map_err(|message| problems.add("owner_email", message))
                .ok()
        });
    let owner_name = problems
        .required("owner_name", owner_name)
        .and_then(|owner| plain_text(&mut problems, "owner_name", owner, MAX_OWNER_NAME_CHARS));
    let locale = match locale {
        Field::Text(tag) => canonical_locale(&mut problems, tag),
        Field::Absent => Some(DEFAULT_LOCALE.to_owned()),
        Field::Wrong => None,
    };
    let sso = sso_settings(&mut problems, sso_start_url, sso_region);
    match (name, slug, owner_email, owner_name, locale, sso) {
        (
            Some(name),
            Some(slug),
            Some(email::Address { address, domain }),
            Some(owner_name),
            Some(locale),
            Some(sso),
        ) if problems.fields.is_empty() => Ok(ValidTenant {
            name,
            slug,
            owner_email: address,
            owner_email_domain: domain,
            owner_name,
            locale,
            sso,
        }),
        _ => Err(problems.into_error()),
    }
}

pub(crate) fn plain_text(
    problems: &mut Problems,
    field: &str,
    text: &str,
    max: usize,
) -> Option<String> {
    let trimmed = text.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > max {
        problems.add(
            field,
            format!("must be 1 to {max} characters long after trimming"),
        );
        None
    } else if text::has_refused(trimmed) {
        problems.add(field, text::REFUSED_MESSAGE);
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

pub(crate) fn canonical_locale(problems: &mut Problems, tag: &str) -> Option<String> {
    if tag.chars().count() > MAX_LOCALE_CHARS {
        problems.add(
            "locale",
            format!("must be at most {MAX_LOCALE_CHARS} characters long"),
        );
        return None;
    }
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
pub(crate) fn sso_settings(
    problems: &mut Problems,
    start_url: Field<'_>,
    region: Field<'_>,
) -> Option<Option<Sso>> {
    let (url, region) = match (start_url, region) {
        (Field::Absent, Field::Absent) => return Some(None),
        // Trimmed as names are; anything else the URL parser would drop is refused by it.
        (Field::Text(url), Field::Text(region)) => (url.trim(), region),
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
