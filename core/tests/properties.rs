//! Properties of validation and the handler over generated input.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use proptest::prelude::*;
use serde_json::{Value, json};
use tenantry_core::MemoryStore;
use tenantry_core::http::{HttpRequest, handle};
use tenantry_core::store::{MasterTenant, NewApiKey};
use tenantry_core::{CreateTenantRequest, FRESH_RANDOM_BYTES, Fresh, Policies, Timestamp};
use tenantry_core::{IssuedKey, KEY_RANDOM_BYTES};
use tenantry_core::{ListKind, Position, Scope};
use tenantry_core::{SlugChoice, ValidTenant, parse_and_validate, validate};
use uuid::Uuid;

/// Any JSON value, a few levels deep, with the field names of the contract among the keys.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("name".to_owned()),
        Just("slug".to_owned()),
        Just("owner_email".to_owned()),
        Just("owner_name".to_owned()),
        Just("locale".to_owned()),
        Just("sso_start_url".to_owned()),
        Just("sso_region".to_owned()),
        ".{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,80}".prop_map(Value::from),
        "[a-z]{1,10}@[a-z]{1,10}\\.[a-z]{2,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..9)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A request that every rule accepts.
fn valid_request() -> impl Strategy<Value = CreateTenantRequest> {
    (
        "[A-Za-z][A-Za-z0-9 .,&'-]{0,60}[A-Za-z0-9]",
        prop::option::of("[a-z0-9]{3,20}"),
        "[a-z0-9]{1,8}([._+-][a-z0-9]{1,8}){0,2}@[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?\\.[a-zA-Z]{2,6}",
        "[A-Za-z][A-Za-z .'-]{0,40}",
        prop::option::of(prop_oneof![Just("en"), Just("fr-ca"), Just("EN-gb"), Just("zh-hant-TW"), Just("de")]),
        prop::option::of(prop_oneof![Just("us-east-1"), Just("eu-west-3"), Just("ap-southeast-2")]),
    )
        .prop_map(|(name, slug, email, owner, locale, region)| CreateTenantRequest {
            name,
            slug,
            owner_email: email,
            owner_name: owner,
            locale: locale.map(str::to_owned),
            sso_start_url: region.map(|_| "https://d-1234567890.awsapps.com/start".to_owned()),
            sso_region: region.map(str::to_owned),
        })
}

/// The request a valid tenant normalises to.
fn as_request(valid: &ValidTenant) -> CreateTenantRequest {
    CreateTenantRequest {
        name: valid.name.clone(),
        slug: match &valid.slug {
            SlugChoice::Given(slug) => Some(slug.clone()),
            SlugChoice::Derived(_) => None,
        },
        owner_email: valid.owner_email.clone(),
        owner_name: valid.owner_name.clone(),
        locale: Some(valid.locale.clone()),
        sso_start_url: valid.sso.as_ref().map(|s| s.start_url.clone()),
        sso_region: valid.sso.as_ref().map(|s| s.region.clone()),
    }
}

struct World {
    policies: Policies,
    store: MemoryStore,
    key: String,
    tenant: String,
}

fn world() -> World {
    let now = Timestamp::from_unix_seconds(1_776_254_400).unwrap();
    let master = MasterTenant::new(Uuid::from_u128(7), now);
    let store = MemoryStore::new();
    store.add_master(&master).unwrap();
    let key = IssuedKey::from_random_bytes([3; KEY_RANDOM_BYTES]);
    store
        .add_api_key(
            NewApiKey::of(
                &key,
                master.id,
                "test",
                Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
                now,
            ),
            false,
        )
        .unwrap();
    World {
        policies: Policies::embedded().unwrap(),
        store,
        key: key.plaintext,
        tenant: master.id.to_string(),
    }
}

fn post(world: &World, body: &[u8], n: u128) -> (u16, Value) {
    send(world, ("POST", "/v1/tenants", ""), body, n)
}

/// Sends `(method, path, query)` with the world's key and answers the status and JSON body
/// (`null` for none); `n` makes the fresh ids.
fn send(
    world: &World,
    (method, path, query): (&str, &str, &str),
    body: &[u8],
    n: u128,
) -> (u16, Value) {
    let headers = [
        ("X-API-Key", world.key.as_str()),
        ("X-Tenant-ID", world.tenant.as_str()),
        ("Content-Type", "application/json"),
    ];
    let request = HttpRequest {
        method,
        path,
        query,
        headers: &headers,
        body,
    };
    let now = Timestamp::from_unix_seconds(1_776_254_400).unwrap();
    let mut bytes = [0u8; FRESH_RANDOM_BYTES];
    bytes[..16].copy_from_slice(&n.to_le_bytes());
    let response = pollster::block_on(handle(
        &world.policies,
        &world.store,
        request,
        now,
        Fresh::from_random_bytes(bytes),
        tenantry_core::InviteTtl::default(),
    ));
    (
        response.status,
        serde_json::from_str(&response.body).unwrap_or(Value::Null),
    )
}

/// Every tenant's slug, walking the list `limit` at a time.
fn walk(world: &World, limit: u32) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut query = format!("limit={limit}");
    loop {
        let (status, page) = send(world, ("GET", "/v1/tenants", &query), b"", 0);
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= limit as usize);
        slugs.extend(data.iter().map(|t| t["slug"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit={limit}&cursor={cursor}"),
            None => return slugs,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn paging_returns_every_tenant_once_in_order(count in 0usize..40, limit in 1u32..12) {
        let world = world();
        let mut created = vec!["platform".to_owned()];
        for i in 0..count {
            let slug = format!("t-{i:03}");
            let body = json!({"name": "T", "slug": slug, "owner_email": "a@b.test", "owner_name": "A"});
            let (status, _) = post(&world, body.to_string().as_bytes(), i as u128 + 1);
            prop_assert_eq!(status, 201);
            created.push(slug);
        }
        prop_assert_eq!(walk(&world, limit), created);
    }

    #[test]
    fn updated_fields_read_back_and_the_rest_stays(
        name in proptest::option::of("[A-Za-z][A-Za-z ]{0,20}[A-Za-z]"),
        locale in proptest::option::of(prop_oneof!["en", "fr-CA", "de-de"]),
        sso in proptest::option::of(proptest::bool::ANY),
    ) {
        prop_assume!(name.is_some() || locale.is_some() || sso.is_some());
        let world = world();
        let body = json!({"name": "Before", "slug": "subject", "owner_email": "a@b.test", "owner_name": "A"});
        let (_, before) = post(&world, body.to_string().as_bytes(), 1);
        let path = format!("/v1/tenants/{}", before["id"].as_str().unwrap());
        let mut change = serde_json::Map::new();
        if let Some(name) = &name {
            change.insert("name".into(), json!(name));
        }
        if let Some(locale) = &locale {
            change.insert("locale".into(), json!(locale));
        }
        match sso {
            Some(true) => {
                change.insert("sso_start_url".into(), json!("https://d-1234567890.awsapps.com/start"));
                change.insert("sso_region".into(), json!("eu-west-3"));
            }
            Some(false) => {
                change.insert("sso_start_url".into(), Value::Null);
                change.insert("sso_region".into(), Value::Null);
            }
            None => {}
        }
        let (status, put) = send(&world, ("PUT", &path, ""), Value::Object(change).to_string().as_bytes(), 2);
        prop_assert_eq!(status, 200, "{}", put);
        let (_, got) = send(&world, ("GET", &path, ""), b"", 3);
        prop_assert_eq!(&got, &put);
        prop_assert_eq!(&got["name"], &json!(name.as_deref().unwrap_or("Before")));
        let canonical = locale.map(|l| if l == "de-de" { "de-DE".to_owned() } else { l.to_owned() });
        prop_assert_eq!(&got["locale"], &json!(canonical.as_deref().unwrap_or("en")));
        prop_assert_eq!(got["sso_region"].is_string(), sso == Some(true));
        prop_assert_eq!(&got["slug"], &before["slug"]);
        prop_assert_eq!(&got["created_at"], &before["created_at"]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn cursor_decoding_never_panics(text in ".{0,64}") {
        let _ = Position::decode(ListKind::Tenants, &text);
    }

    #[test]
    fn an_edited_cursor_is_refused(after in 0i64..i64::MAX, at in 0usize..28, digit in 0u8..16) {
        let cursor = Position { kind: ListKind::Tenants, after }.encode();
        let mut bytes = cursor.clone().into_bytes();
        bytes[at] = b"0123456789abcdef"[usize::from(digit)];
        let edited = String::from_utf8(bytes).unwrap();
        prop_assume!(edited != cursor);
        prop_assert_eq!(Position::decode(ListKind::Tenants, &edited), None);
        prop_assert_eq!(
            Position::decode(ListKind::Tenants, &cursor),
            Some(Position { kind: ListKind::Tenants, after })
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_json_body_makes_validation_or_the_handler_panic(value in any_json()) {
        let body = serde_json::to_vec(&value).unwrap();
        let _ = parse_and_validate(&body);
        let world = world();
        let (status, answer) = post(&world, &body, 1);
        prop_assert!([201, 400, 409].contains(&status), "{} for {}", status, value);
        prop_assert!(answer.is_object());
    }

    #[test]
    fn no_byte_string_makes_the_handler_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let world = world();
        let (status, answer) = post(&world, &body, 2);
        prop_assert!([201, 400, 409].contains(&status), "{}", status);
        prop_assert!(answer["code"].is_string() || status == 201);
    }

    #[test]
    fn accepted_input_round_trips(request in valid_request()) {
        let valid = validate(&request).map_err(|e| TestCaseError::fail(format!("{e:?} for {request:?}")))?;
        // The JSON body and the typed request are judged alike.
        let from_json = parse_and_validate(&serde_json::to_vec(&request).unwrap()).unwrap();
        prop_assert_eq!(&from_json, &valid);
        // Normalising is idempotent: the normalised request validates to itself.
        let again = validate(&as_request(&valid)).unwrap();
        prop_assert_eq!(&again.name, &valid.name);
        prop_assert_eq!(&again.owner_email, &valid.owner_email);
        prop_assert_eq!(&again.locale, &valid.locale);
        prop_assert_eq!(again.slug.as_str(), valid.slug.as_str());
        // And the tenant the handler creates carries the normalised values.
        let world = world();
        let (status, tenant) = post(&world, &serde_json::to_vec(&request).unwrap(), 3);
        prop_assert_eq!(status, 201, "{}", tenant);
        prop_assert_eq!(&tenant["name"], &json!(valid.name));
        prop_assert_eq!(&tenant["locale"], &json!(valid.locale));
        prop_assert_eq!(&tenant["owner_email"], &json!(valid.owner_email));
    }

    #[test]
    fn names_with_invisible_or_direction_characters_are_refused(
        before in "[A-Za-z ]{0,20}",
        hidden in prop::sample::select(vec![
            '\u{00ad}', '\u{061c}', '\u{180e}', '\u{200b}', '\u{200d}', '\u{200e}', '\u{202a}',
            '\u{202e}', '\u{2028}', '\u{2029}', '\u{2060}', '\u{2066}', '\u{2069}', '\u{feff}',
            '\u{e0001}', '\u{e0041}', '\u{0085}', '\u{009b}',
        ]),
        after in "[A-Za-z ]{0,20}",
    ) {
        // Inside the text: at its ends, trimming removes the separators (they are whitespace).
        let text = format!("{before}x{hidden}x{after}");
        let request = CreateTenantRequest {
            name: text.clone(),
            owner_email: format!("a{hidden}b@acme.test"),
            owner_name: text,
            ..CreateTenantRequest::default()
        };
        let refused = validate(&request).err().map(|e| e.body().details);
        let fields = refused.as_ref().map(|details| &details["fields"]);
        for field in ["name", "owner_name", "owner_email"] {
            prop_assert!(fields.is_some_and(|f| f.get(field).is_some()), "{}: {:?}", field, fields);
        }
    }

    #[test]
    fn an_accepted_email_domain_is_lowercase_ldh_and_shown_to_policies_as_stored(
        local in "[a-z0-9.]{1,8}",
        domain in "\\PC{1,24}",
    ) {
        let request = CreateTenantRequest {
            name: "Acme".into(),
            owner_email: format!("{local}@{domain}"),
            owner_name: "Ann".into(),
            ..CreateTenantRequest::default()
        };
        if let Ok(valid) = validate(&request) {
            let stored = valid.owner_email.rsplit_once('@').map(|(_, d)| d.to_owned());
            prop_assert_eq!(stored.as_deref(), Some(valid.owner_email_domain.as_str()));
            for label in valid.owner_email_domain.split('.') {
                prop_assert!(
                    (1..=63).contains(&label.len())
                        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        && !label.starts_with('-') && !label.ends_with('-'),
                    "{}", valid.owner_email_domain
                );
            }
        }
    }
}
