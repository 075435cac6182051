//! The decision path (parse the body, validate it, authorize with the default policies) beside
//! the bare Cedar `Authorizer::is_authorized` call on the same request, with the policies a
//! create is asked of and with the whole set.
//! `cargo bench -p tenantry-core --features bench --bench decision`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tenantry_core::{Action, Ask, Context, Policies, Principal, Resource, parse_and_validate};
use uuid::Uuid;

const BODY: &[u8] = br#"{"name":"Acme Corp","owner_email":"ann@acme.test","owner_name":"Ann Example","locale":"en-us","sso_start_url":"https://d-1234567890.awsapps.com/start","sso_region":"eu-west-3"}"#;

fn principal() -> Principal {
    Principal {
        key_id: Uuid::from_u128(1),
        tenant_id: Uuid::from_u128(2),
        tenant_is_master: true,
        tenant_slug: "platform".into(),
        scopes: vec!["tenants:create".into()],
    }
}

/// A create's decision, through the one `authorize`.
fn authorize(policies: &Policies, principal: &Principal, ask: &Ask<'_>) -> bool {
    let context = Context::Tenant(ask.clone());
    policies
        .authorize(
            principal,
            Action::CreateTenant,
            Resource::Platform,
            &context,
        )
        .is_ok()
}

fn decision(c: &mut Criterion) {
    let Ok(policies) = Policies::embedded() else {
        return eprintln!("the shipped policies do not load");
    };
    let principal = principal();
    let mut group = c.benchmark_group("decision");
    group.bench_function("parse+validate+authorize", |b| {
        b.iter(|| {
            let valid = parse_and_validate(black_box(BODY));
            valid.map(|valid| authorize(&policies, &principal, &Ask::of(&valid)))
        })
    });
    group.bench_function("parse+validate", |b| {
        b.iter(|| parse_and_validate(black_box(BODY)).is_ok())
    });
    let Ok(valid) = parse_and_validate(BODY) else {
        return eprintln!("the benchmark body does not validate");
    };
    let ask = Ask::of(&valid);
    group.bench_function("authorize (build request + is_authorized)", |b| {
        b.iter(|| authorize(&policies, black_box(&principal), black_box(&ask)))
    });
    group.bench_function(
        "build the cedar request (context, request, cached entities)",
        |b| {
            b.iter(|| {
                policies
                    .bench_cedar_request(black_box(&principal), black_box(&ask))
                    .is_ok()
            })
        },
    );
    let Ok((request, entities)) = policies.bench_cedar_request(&principal, &ask) else {
        return eprintln!("the cedar request does not build");
    };
    group.bench_function("bare is_authorized", |b| {
        b.iter(|| policies.bench_is_authorized(black_box(&request), black_box(entities.as_ref())))
    });
    group.bench_function("bare is_authorized, the whole policy set", |b| {
        b.iter(|| {
            policies
                .bench_is_authorized_whole_set(black_box(&request), black_box(entities.as_ref()))
        })
    });
    group.finish();
}

criterion_group!(benches, decision);
criterion_main!(benches);
