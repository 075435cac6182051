//! The body of `PUT /v1/tenants/{id}`: any of the updatable fields, at least one, each by the
//! rules of create, every problem at once; and the tenant it makes of the one stored.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ApiError;
use crate::fields::{Field, READ_ONLY_FIELDS, UPDATABLE_FIELDS};
use crate::model::Tenant;
use crate::model::parse_hyphenated_uuid;
use crate::validate::{
    self, MAX_NAME_CHARS, Problems, Sso, UNKNOWN_FIELD, canonical_locale, plain_text, sso_settings,
};

/// What an update does to SSO: both fields or neither, as at create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SsoChange {
    /// Leave it as it is.
    #[default]
    Keep,
    /// Remove it (both fields `null` in JSON).
    Remove,
    /// Set both.
    Set {
        /// The start URL.
        start_url: String,
        /// The region.
        region: String,
    },
}

/// The body of `PUT /v1/tenants/{id}`, as a caller of the in-process API writes it: `None`
/// (and [`SsoChange::Keep`]) leave a value as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateTenantRequest {
    /// A new display name.
    pub name: Option<String>,
    /// A new BCP 47 locale.
    pub locale: Option<String>,
    /// What to do with SSO.
    pub sso: SsoChange,
    /// A new owner: a user of the tenant.
    pub owner_user_id: Option<Uuid>,
}

/// An update that passed every field rule, in normalised form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Patch {
    name: Option<String>,
    locale: Option<String>,
    /// `Some(None)` removes SSO.
    sso: Option<Option<Sso>>,
    /// The new owner; whether it is a user of the tenant is the store's to answer.
    pub(crate) owner_user_id: Option<Uuid>,
}

impl Patch {
    /// The tenant as it will be; `updated_at` stays for the caller to set if anything changed.
    pub(crate) fn apply(&self, tenant: &Tenant) -> Tenant {
        let mut next = tenant.clone();
        if let Some(name) = &self.name {
            next.name.clone_from(name);
        }
        if let Some(locale) = &self.locale {
            next.locale.clone_from(locale);
        }
        if let Some(sso) = &self.sso {
            next.sso_start_url = sso.as_ref().map(|s| s.start_url.clone());
            next.sso_region = sso.as_ref().map(|s| s.region.clone());
        }
        if let Some(owner) = self.owner_user_id {
            next.owner_user_id = Some(owner);
        }
        next
    }
}

/// One field of an update body: `null` is a value of its own here (it removes SSO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given<'a> {
    Absent,
    Null,
    Text(&'a str),
    Wrong,
}

impl<'a> Given<'a> {
    fn of(object: &'a Map<String, Value>, name: &str) -> Self {
        match object.get(name) {
            None => Self::Absent,
            Some(Value::Null) => Self::Null,
            Some(Value::String(text)) => Self::Text(text),
            Some(_) => Self::Wrong,
        }
    }

    fn of_option(value: Option<&'a str>) -> Self {
        value.map_or(Self::Absent, Self::Text)
    }
}

/// The raw fields of an update, however it came in.
struct RawUpdate<'a> {
    name: Given<'a>,
    locale: Given<'a>,
    sso_start_url: Given<'a>,
    sso_region: Given<'a>,
    owner_user_id: Given<'a>,
}

/// Parses and checks a JSON update body.
pub(crate) fn parse(body: &[u8]) -> Result<Patch, ApiError> {
    let value = crate::json::from_slice(body).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    parse_value(&value)
}

/// Checks an update body already read as JSON (the browser preview's form).
pub(crate) fn parse_value(value: &Value) -> Result<Patch, ApiError> {
    let (object, problems) = validate::body_object(value, |key| {
        if READ_ONLY_FIELDS.contains(&key) {
            Some("is read-only")
        } else if UPDATABLE_FIELDS.contains(&key) {
            None
        } else {
            Some(UNKNOWN_FIELD)
        }
    })?;
    let raw = RawUpdate {
        name: Given::of(object, "name"),
        locale: Given::of(object, "locale"),
        sso_start_url: Given::of(object, "sso_start_url"),
        sso_region: Given::of(object, "sso_region"),
        owner_user_id: Given::of(object, "owner_user_id"),
    };
    check(&raw, problems)
}

/// Checks a typed update by the same rules.
pub(crate) fn of_request(request: &UpdateTenantRequest) -> Result<Patch, ApiError> {
    let owner = request.owner_user_id.map(|id| id.to_string());
    let (sso_start_url, sso_region) = match &request.sso {
        SsoChange::Keep => (Given::Absent, Given::Absent),
        SsoChange::Remove => (Given::Null, Given::Null),
        SsoChange::Set { start_url, region } => (Given::Text(start_url), Given::Text(region)),
    };
    let raw = RawUpdate {
        name: Given::of_option(request.name.as_deref()),
        locale: Given::of_option(request.locale.as_deref()),
        sso_start_url,
        sso_region,
        owner_user_id: Given::of_option(owner.as_deref()),
    };
    check(&raw, Problems::default())
}

fn check(raw: &RawUpdate<'_>, mut problems: Problems) -> Result<Patch, ApiError> {
    let given = [
        raw.name,
        raw.locale,
        raw.sso_start_url,
        raw.sso_region,
        raw.owner_user_id,
    ];
    if given.iter().all(|g| *g == Given::Absent) && problems.fields.is_empty() {
        problems.add(
            "body",
            "must name at least one of `name`, `locale`, `sso_start_url`, `sso_region`, `owner_user_id`",
        );
    }
    let name = text(&mut problems, "name", raw.name)
        .and_then(|name| plain_text(&mut problems, "name", name, MAX_NAME_CHARS));
    let locale = text(&mut problems, "locale", raw.locale)
        .and_then(|tag| canonical_locale(&mut problems, tag));
    let owner_user_id = text(&mut problems, "owner_user_id", raw.owner_user_id).and_then(|id| {
        let id = parse_hyphenated_uuid(id);
        if id.is_none() {
            problems.add("owner_user_id", "must be the UUID of a user of this tenant");
        }
        id
    });
    let sso = sso_change(&mut problems, raw.sso_start_url, raw.sso_region);
    if problems.fields.is_empty() {
        Ok(Patch {
            name,
            locale,
            sso,
            owner_user_id,
        })
    } else {
        Err(problems.into_error())
    }
}

/// A field that must be a string when given (`null` does not clear a name or a locale).
fn text<'a>(problems: &mut Problems, field: &str, given: Given<'a>) -> Option<&'a str> {
    match given {
        Given::Absent => None,
        Given::Text(text) => Some(text),
        Given::Null | Given::Wrong => {
            problems.add(field, "must be a string");
            None
        }
    }
}

/// `None`: keep SSO; `Some(None)`: remove it; `Some(Some(_))`: set it. Both or neither, as at
/// create, with create's messages; both `null` removes it.
fn sso_change<'a>(
    problems: &mut Problems,
    url: Given<'a>,
    region: Given<'a>,
) -> Option<Option<Sso>> {
    let as_field = |given: Given<'a>| match given {
        Given::Text(text) => Field::Text(text),
        Given::Absent | Given::Null => Field::Absent,
        Given::Wrong => Field::Wrong,
    };
    match (url, region) {
        (Given::Absent, Given::Absent) => None,
        (Given::Null, Given::Null) => Some(None),
        (Given::Null, Given::Absent) => {
            problems.add("sso_region", "must be `null` as well, to remove SSO");
            None
        }
        (Given::Absent, Given::Null) => {
            problems.add("sso_start_url", "must be `null` as well, to remove SSO");
            None
        }
        (Given::Wrong, _) | (_, Given::Wrong) => {
            for (field, given) in [("sso_start_url", url), ("sso_region", region)] {
                if given == Given::Wrong {
                    problems.add(field, "must be a string");
                }
            }
            None
        }
        _ => sso_settings(problems, as_field(url), as_field(region)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(body: &str) -> Vec<String> {
        match parse(body.as_bytes()) {
            Err(ApiError::InvalidFields { fields, .. }) => fields.into_keys().collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_problem_at_once_and_read_only_fields_by_name() {
        assert_eq!(
            fields_of(r#"{"name":"","slug":"x","plan":1,"sso_region":"eu-west-3"}"#),
            ["name", "plan", "slug", "sso_start_url"]
        );
        let Err(ApiError::InvalidFields { fields, .. }) = parse(br#"{"slug":"x","plan":1}"#) else {
            panic!("refused")
        };
        assert_eq!(fields["slug"], "is read-only");
        assert_eq!(fields["plan"], "is not a known field");
        assert_eq!(fields_of("{}"), ["body"]);
        assert_eq!(fields_of(r#"{"name":null}"#), ["name"]);
        assert_eq!(fields_of(r#"{"sso_start_url":null}"#), ["sso_region"]);
        // An id in the one form the API writes, as everywhere else.
        assert_eq!(
            fields_of(r#"{"owner_user_id":"2489e9ad2ee28e008ec932d5f69181c0"}"#),
            ["owner_user_id"]
        );
    }

    #[test]
    fn both_sso_fields_null_remove_it_and_absent_fields_stay() {
        let patch = parse(br#"{"sso_start_url":null,"sso_region":null}"#).unwrap();
        assert_eq!(patch.sso, Some(None));
        let patch = parse(br#"{"locale":"fr-ca"}"#).unwrap();
        assert_eq!(patch.locale.as_deref(), Some("fr-CA"));
        assert_eq!((patch.name, patch.sso), (None, None));
    }
}
