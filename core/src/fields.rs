//! The request's fields, declared once. The typed request ([`CreateTenantRequest`]), the list
//! of known fields ([`REQUEST_FIELDS`], which the JSON body is checked against and the preview
//! page builds its form from) and the raw values validation starts from ([`RawFields`]) are all
//! generated from the one list in [`request_fields!`]'s call below, so adding a field is one line
//! here and then whatever the compiler asks for: its rule in `validate::check` (which takes
//! [`RawFields`] apart field by field) and where its validated value goes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One field of the request body, as [`REQUEST_FIELDS`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct RequestField {
    /// The field's name in the JSON body.
    pub name: &'static str,
    /// Whether the body must carry it.
    pub required: bool,
}

/// One field as found in the body, before its rule is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field<'a> {
    /// Absent, or `null`.
    Absent,
    /// A string.
    Text(&'a str),
    /// Present with the wrong type; its problem is already recorded.
    Wrong,
}

impl<'a> Field<'a> {
    fn of_option(value: Option<&'a str>) -> Self {
        value.map_or(Self::Absent, Self::Text)
    }

    /// The field `name` of a JSON object; a value that is not a string records a problem.
    pub(crate) fn of_object(
        object: &'a Map<String, Value>,
        name: &str,
        mut wrong_type: impl FnMut(&str),
    ) -> Self {
        match object.get(name) {
            None | Some(Value::Null) => Self::Absent,
            Some(Value::String(text)) => Self::Text(text),
            Some(_) => {
                wrong_type(name);
                Self::Wrong
            }
        }
    }
}

/// Declares the request fields: required ones are `String`s, optional ones `Option<String>`s.
macro_rules! request_fields {
    (
        required { $( $(#[doc = $rdoc:literal])* $required:ident, )* }
        optional { $( $(#[doc = $odoc:literal])* $optional:ident, )* }
    ) => {
        /// The body of `POST /v1/tenants`, as a caller of the in-process API writes it.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct CreateTenantRequest {
            $( $(#[doc = $rdoc])* pub $required: String, )*
            $(
                $(#[doc = $odoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $optional: Option<String>,
            )*
        }

        /// Every field of the body, required ones first.
        pub(crate) const REQUEST_FIELDS: &[RequestField] = &[
            $( RequestField { name: stringify!($required), required: true }, )*
            $( RequestField { name: stringify!($optional), required: false }, )*
        ];

        /// One [`Field`] per request field: what validation starts from, whichever way the
        /// request came in.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) struct RawFields<'a> {
            $( $(#[doc = $rdoc])* pub(crate) $required: Field<'a>, )*
            $( $(#[doc = $odoc])* pub(crate) $optional: Field<'a>, )*
        }

        impl<'a> RawFields<'a> {
            /// The fields of a typed request.
            pub(crate) fn of_request(request: &'a CreateTenantRequest) -> Self {
                Self {
                    $( $required: Field::Text(&request.$required), )*
                    $( $optional: Field::of_option(request.$optional.as_deref()), )*
                }
            }

            /// The fields `field` finds, asked by name.
            pub(crate) fn of_fields(mut field: impl FnMut(&'static str) -> Field<'a>) -> Self {
                Self {
                    $( $required: field(stringify!($required)), )*
                    $( $optional: field(stringify!($optional)), )*
                }
            }
        }
    };
}

request_fields! {
    required {
        /// The tenant's display name.
        name,
        /// The owner's email address; the invite goes here.
        owner_email,
        /// The owner's full name.
        owner_name,
    }
    optional {
        /// The slug; derived from `name` when absent.
        slug,
        /// A BCP 47 language tag; `en` when absent.
        locale,
        /// The AWS IAM Identity Center start URL; together with `sso_region` or not at all.
        sso_start_url,
        /// The AWS region of the Identity Center instance.
        sso_region,
    }
}

/// The fields `PUT /v1/tenants/{id}` may change. `name`, `locale` and the SSO pair keep the
/// rules (and messages) of their declaration above; `owner_user_id` must name a user of the tenant.
pub(crate) const UPDATABLE_FIELDS: &[&str] = &[
    "name",
    "locale",
    "sso_start_url",
    "sso_region",
    "owner_user_id",
];

/// The fields of a Tenant that no request changes; an update naming one is refused by name.
pub(crate) const READ_ONLY_FIELDS: &[&str] = &[
    "id",
    "slug",
    "owner_email",
    "is_master",
    "primary_domain",
    "created_at",
    "updated_at",
];

/// The names of [`REQUEST_FIELDS`], in their order: what a JSON body is read for.
pub(crate) const REQUEST_FIELD_NAMES: &[&str] = &{
    let mut names = [""; REQUEST_FIELDS.len()];
    let mut at = 0;
    while at < names.len() {
        names[at] = REQUEST_FIELDS[at].name;
        at += 1;
    }
    names
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_request_and_the_field_list_agree() {
        let request = CreateTenantRequest {
            slug: Some(String::new()),
            locale: Some(String::new()),
            sso_start_url: Some(String::new()),
            sso_region: Some(String::new()),
            ..CreateTenantRequest::default()
        };
        let Ok(Value::Object(object)) = serde_json::to_value(&request) else {
            panic!("a request serialises to an object");
        };
        let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut listed: Vec<&str> = REQUEST_FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(listed, REQUEST_FIELD_NAMES);
        listed.sort_unstable();
        assert_eq!(names, listed);
    }
}
