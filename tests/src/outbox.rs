//! The outbox's chores through core's flows on a store, with a test clock and a test client
//! instead of the system's: delivery claims under a lease and stores each outcome, and pruning
//! deletes delivered events past their retention and nothing else. Written once over the
//! storage port, run on the memory store and on SQLite (`tests/tests/outbox.rs`); D1 runs the
//! same SQL, through the worker's cron in `tests/tests/edge_webhooks.rs`.

use std::cell::{Cell, RefCell};

use tenantry_core::store::{EventFilter, TenantStore};
use tenantry_core::{
    Body, CreateCall, CreateTenantRequest, Credentials, EventInfo, Fresh, InviteTtl, Operation,
    Outcome, Policies, Retention, RetrySchedule, Timestamp, WebhookClient, WebhookRequest,
    WebhookSecret, Webhooks, create_tenant, deliver_due, prune_delivered,
};
use uuid::Uuid;

const DAY: i64 = 86_400;

/// A clock the test sets and an endpoint that answers what the test says.
struct TestClient {
    now: Cell<Timestamp>,
    answer: RefCell<Outcome>,
    posted: Cell<usize>,
}

impl WebhookClient for TestClient {
    fn now(&self) -> Result<Timestamp, String> {
        Ok(self.now.get())
    }

    async fn post(&self, _url: &str, _request: &WebhookRequest) -> Outcome {
        self.posted.set(self.posted.get() + 1);
        self.answer.borrow().clone()
    }
}

/// A tenant created through core's flow at `now`; answers its id.
fn create<S: TenantStore>(store: &S, master: &(Uuid, String), name: &str, now: Timestamp) -> Uuid {
    let policies = Policies::embedded().unwrap_or_else(|e| panic!("{e}"));
    let request = CreateTenantRequest {
        name: name.into(),
        owner_email: "o@outbox.test".into(),
        owner_name: "O".into(),
        ..Default::default()
    };
    let tenant_id = master.0.to_string();
    let call = CreateCall {
        body: Body::Typed(&request),
        idempotency_key: None,
        invite_ttl: InviteTtl::default(),
    };
    // Distinct ids for each tenant and each of its rows: a small generator seeded by the name.
    let mut state = name.bytes().fold(0x9e37_79b9_7f4a_7c15_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let bytes = std::array::from_fn(|_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state.to_be_bytes()[0]
    });
    let fresh = Fresh::from_random_bytes(bytes);
    let op = Operation {
        policies: &policies,
        credentials: Credentials {
            api_key: Some(&master.1),
            tenant_id: Some(&tenant_id),
        },
        now,
        fresh: &fresh,
    };
    pollster::block_on(create_tenant(op, store, call))
        .unwrap_or_else(|e| panic!("{e}"))
        .tenant
        .id
}

/// The events of one tenant, as the API shows them.
fn events_of<S: TenantStore>(store: &S, tenant_id: Uuid) -> Vec<EventInfo> {
    let filter = EventFilter {
        tenant_id: Some(tenant_id),
        kind: None,
    };
    pollster::block_on(store.events_after(0, 100, filter))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(_, event)| event)
        .collect()
}

/// Delivery then pruning on `store`, whose platform tenant and key are `master`.
pub fn deliver_then_prune<S: TenantStore>(store: &S, master: &(Uuid, String)) {
    let t0 = Timestamp::from_unix_seconds(1_800_000_000).unwrap_or_else(|| unreachable!());
    let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut webhooks = Webhooks::new("http://127.0.0.1:9/hooks".into(), secret);
    let client = TestClient {
        now: Cell::new(t0),
        answer: RefCell::new(Outcome::Delivered),
        posted: Cell::new(0),
    };
    let deliver = |webhooks: &Webhooks, claims: usize| {
        pollster::block_on(deliver_due(store, &client, webhooks, claims))
            .unwrap_or_else(|e| panic!("{e}"))
    };

    // Delivered at t0: old by the end.
    let delivered_old = create(store, master, "Delivered Old", t0);
    assert_eq!(deliver(&webhooks, 10), 2);
    assert!(
        events_of(store, delivered_old)
            .iter()
            .all(|e| e.delivered_at == Some(t0) && e.attempts == 1 && e.next_attempt_at.is_none())
    );

    // Failed at t0: its only retry ("at once") fails too, then it is marked failed.
    let failed_old = create(store, master, "Failed Old", t0);
    webhooks.schedule = RetrySchedule::new(vec![0]).unwrap_or_else(|| unreachable!());
    client.answer.replace(Outcome::Failed("refused".into()));
    assert_eq!(deliver(&webhooks, 10), 4, "two events, two attempts each");
    for event in events_of(store, failed_old) {
        assert_eq!(
            (event.attempts, event.delivered_at, event.next_attempt_at),
            (2, None, None),
            "{event:?}"
        );
        assert_eq!(event.last_error.as_deref(), Some("refused"));
    }

    // Delivered 29 days later: recent at the end.
    let later = t0.plus_seconds(29 * DAY);
    client.now.set(later);
    client.answer.replace(Outcome::Delivered);
    let delivered_recent = create(store, master, "Delivered Recent", later);
    assert_eq!(deliver(&webhooks, 10), 2);

    // Written at t0 + 29 days and never delivered. A claim leases its events: a second claim
    // finds nothing due until the lease runs out.
    let pending = create(store, master, "Pending", later);
    let lease = |at: Timestamp| {
        pollster::block_on(store.claim_due_events(at, at.plus_seconds(60), 10))
            .unwrap_or_else(|e| panic!("{e}"))
            .len()
    };
    assert_eq!(lease(later), 2);
    assert_eq!(lease(later.plus_seconds(59)), 0, "leased");
    assert_eq!(lease(later.plus_seconds(60)), 2, "the lease ran out");
    assert_eq!(client.posted.get(), 2 + 4 + 2);

    // Thirty-one days after t0, with the default retention of 30 days: only the events
    // delivered at t0 go.
    let end = t0.plus_seconds(31 * DAY);
    let prune = |retention: Retention| {
        pollster::block_on(prune_delivered(store, end, retention)).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(prune(Retention::default()), 2);
    let counts = |ids: [Uuid; 4]| ids.map(|id| events_of(store, id).len());
    let all = [delivered_old, failed_old, delivered_recent, pending];
    assert_eq!(counts(all), [0, 2, 2, 2]);
    // A retention of one day takes the recent ones too; undelivered and failed events stay
    // whatever the retention.
    assert_eq!(prune(Retention::days(1)), 2);
    assert_eq!(prune(Retention::days(0)), 0);
    assert_eq!(counts(all), [0, 2, 0, 2]);
}
