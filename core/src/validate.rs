//! Validation of the request body: every field rule of the contract, every problem at once.

use std::collections::BTreeMap;

use oxilangtag::LanguageTag;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::fields::CreateTenantRequest;
use crate::fields::{Field, REQUEST_FIELD_NAMES, RawFields};
use crate::json::{self, Found};
use crate::{email, slug, sso, text};

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
///
/// The body is read for its fields only, not built into a JSON value: that was most of the
/// time of reading it. The test `a_body_reads_as_its_json_value_validates` checks that every
/// body gets the answer that validating its JSON value field by field gives.
pub fn parse_and_validate(body: &[u8]) -> Result<ValidTenant, ApiError> {
    let object = json::fields_of_object(body, REQUEST_FIELD_NAMES)
        .map_err(|e| ApiError::InvalidJson(e.to_string()))?
        .ok_or_else(not_an_object)?;
    let mut problems = Problems::default();
    problems.refuse(object.others.iter().map(|key| (key, UNKNOWN_FIELD)));
    let raw = RawFields::of_fields(|name| match object.get(name) {
        None | Some(Found::Null) => Field::Absent,
        Some(Found::Text(text)) => Field::Text(text),
        Some(Found::Other) => {
            problems.add(name, WRONG_TYPE);
            Field::Wrong
        }
    });
    check(raw, problems)
}

/// Validates a body that is already a JSON value, field by field from the value: the reference
/// that `a_body_reads_as_its_json_value_validates` holds [`parse_and_validate`]'s reading to.
#[cfg(test)]
fn validate_value(value: &Value) -> Result<ValidTenant, ApiError> {
    let (object, mut problems) = body_object(value, |key| {
        (!REQUEST_FIELD_NAMES.contains(&key)).then_some(UNKNOWN_FIELD)
    })?;
    let raw = RawFields::of_fields(|name| {
        Field::of_object(object, name, |name| problems.add(name, WRONG_TYPE))
    });
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
        return Err(not_an_object());
    };
    let mut problems = Problems::default();
    problems.refuse(
        object
            .keys()
            .filter_map(|key| refusal(key).map(|message| (key, message))),
    );
    Ok((object, problems))
}

/// The 400 for a body that is JSON but no object.
fn not_an_object() -> ApiError {
    let mut problems = Problems::default();
    problems.add("body", "must be a JSON object");
    problems.into_error()
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

    /// Records the refused keys of a body, each with its message: at most
    /// [`MAX_LISTED_UNKNOWN_FIELDS`], the first by name, each cut to [`MAX_SHOWN_NAME_CHARS`],
    /// and counts the rest.
    fn refuse<'a>(&mut self, refused: impl Iterator<Item = (&'a String, &'static str)>) {
        let mut refused: Vec<(&String, &'static str)> = refused.collect();
        refused.sort_unstable();
        for (key, message) in refused.iter().take(MAX_LISTED_UNKNOWN_FIELDS) {
            let shown: String = key.chars().take(MAX_SHOWN_NAME_CHARS).collect();
            self.add(&shown, *message);
        }
        self.unlisted_unknown = refused.len().saturating_sub(MAX_LISTED_UNKNOWN_FIELDS);
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A JSON text, near enough to a create's body to pass now and then: the fields' names
    /// (plain, escaped and repeated), values that pass their rules, others that do not, nesting,
    /// and now and then a text cut short or with a stray byte.
    fn body_text() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("name"),
            Just("slug"),
            Just("owner_email"),
            Just("owner_name"),
            Just("locale"),
            Just("sso_start_url"),
            Just("sso_region"),
            Just("n\\u0061me"),
            Just("plan"),
            Just(""),
            Just("an unknown key much longer than the sixty-four characters an error shows of it"),
        ];
        let leaf = prop_oneof![
            Just("null"),
            Just("true"),
            Just("17"),
            Just("-2.5e3"),
            Just("1e400"),
            Just("\"Acme Corp\""),
            Just("\"A\\u0063me\""),
            Just("\"ann@acme.test\""),
            Just("\"Ann Example\""),
            Just("\"fr-ca\""),
            Just("\"acme-corp\""),
            Just("\"eu-west-3\""),
            Just("\"https://d-1234567890.awsapps.com/start\""),
            Just("\"bad\\x\""),
            Just("\"\""),
        ]
        .prop_map(str::to_owned);
        let value = leaf.prop_recursive(3, 24, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((key.clone(), inner), 0..9).prop_map(|pairs| {
                    let pairs: Vec<String> = pairs
                        .iter()
                        .map(|(key, value)| format!("\"{key}\": {value}"))
                        .collect();
                    format!("{{{}}}", pairs.join(","))
                }),
            ]
        });
        (value, 0..8usize, any::<prop::sample::Index>(), any::<u8>()).prop_map(
            |(text, damage, at, byte)| {
                let mut bytes = text.into_bytes();
                let at = at.index(bytes.len() + 1);
                match damage {
                    0 => bytes.truncate(at),
                    1 => bytes.insert(at, byte),
                    _ => {}
                }
                String::from_utf8_lossy(&bytes).into_owned()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Reading a body for its fields answers as building its JSON value and validating that
        /// does: the same errors (of the JSON, at the same place, and of every field), the same
        /// tenant.
        #[test]
        fn a_body_reads_as_its_json_value_validates(text in body_text()) {
            let from_value = json::from_slice(text.as_bytes())
                .map_err(|e| ApiError::InvalidJson(e.to_string()))
                .and_then(|value| validate_value(&value));
            prop_assert_eq!(parse_and_validate(text.as_bytes()), from_value);
        }
    }

    #[test]
    fn the_generated_bodies_reach_every_answer() {
        let texts = [
            r#"{"name":"Acme Corp","owner_email":"ann@acme.test","owner_name":"Ann"}"#,
            r#"{"name":"A","n\u0061me":"B"}"#,
            r#"{"name":{"a":1,"a":2}}"#,
            r#"[{"a":1,"a":2}]"#,
            r#"{"name":17,"plan":null,"owner_email":"x"}"#,
            r#"{"name":"A"#,
            "17",
        ];
        let answers: Vec<Result<ValidTenant, ApiError>> = texts
            .iter()
            .map(|text| parse_and_validate(text.as_bytes()))
            .collect();
        assert!(answers[0].is_ok(), "{:?}", answers[0]);
        for (text, answer) in texts.iter().zip(&answers) {
            let from_value = json::from_slice(text.as_bytes())
                .map_err(|e| ApiError::InvalidJson(e.to_string()))
                .and_then(|value| validate_value(&value));
            assert_eq!(answer, &from_value, "{text}");
        }
        let message = |answer: &Result<ValidTenant, ApiError>| match answer {
            Err(ApiError::InvalidJson(message)) => message.clone(),
            other => format!("{other:?}"),
        };
        assert!(message(&answers[1]).contains("duplicate key `name` at line 1 column 23"));
        assert!(message(&answers[2]).contains("duplicate key `a`"));
        assert!(message(&answers[3]).contains("duplicate key `a`"));
        assert!(message(&answers[4]).contains("must be a string"));
        assert!(message(&answers[4]).contains("is not a known field"));
        assert!(message(&answers[6]).contains("must be a JSON object"));
    }
}
