//! Tenantry's Cloudflare Worker: a thin shell over `tenantry-core` on D1.
//!
//! The worker translates a workerd request into core's [`HttpRequest`], hands it to
//! [`tenantry_core::http::handle`] with the cached policies, a [`D1Store`], the clock and fresh
//! random bytes, and translates core's [`HttpResponse`] back. Every rule of the operation lives in
//! core; this crate only does I/O. After a change it delivers the outbox's due events by
//! Standard Webhooks (`waitUntil`), and its Cron Triggers retry and prune (`deliver`).
//!
//! Build and run it locally with `scripts/edge-dev.sh`; test it with `scripts/test-edge.sh`.

mod d1_store;
mod deliver;
mod exchange;
mod inputs;
mod policies;

pub use d1_store::{D1Store, store_error};

use tenantry_core::http::{self, HttpRequest, HttpResponse};
use tenantry_core::{ApiError, InviteTtl, may_have_written_events};
use worker::{
    Context, Env, Request, Response, ScheduleContext, ScheduledEvent, console_error, event,
};

/// The D1 binding the worker reads and writes, as named in `wrangler.toml`.
pub const D1_BINDING: &str = "DB";
/// The static assets binding (the page in `public/`), as named in `wrangler.toml`.
pub const ASSETS_BINDING: &str = "ASSETS";

/// The worker's one entry: every request goes through core's handler.
///
/// It never answers with an `Err`: whatever goes wrong becomes core's 500 `internal` body, and
/// the detail goes to the log. After a change, the events it wrote are delivered once the
/// response is sent.
#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let method = request.inner().method();
    if http::serves_asset(&method, &request.path())
        && let Some(page) = asset(&request, &env).await
    {
        return Ok(page);
    }
    let answer = answer(request, &env).await;
    if let Some(line) = &answer.log {
        console_error!("{line}");
    }
    if may_have_written_events(&method, answer.status) {
        deliver_after_response(env, &ctx);
    }
    exchange::to_worker_response(answer)
}

/// Delivers what is due once the response is sent, if an endpoint is set.
fn deliver_after_response(env: Env, ctx: &Context) {
    match deliver::webhooks(&env) {
        Ok(Some(webhooks)) => ctx.wait_until(async move {
            deliver::deliver(&env, &webhooks, deliver::CLAIMS_AFTER_CHANGE).await;
        }),
        Ok(None) => {}
        Err(error) => console_error!("webhook delivery: {error}"),
    }
}

/// The Cron Triggers: every minute, deliver whatever is due (retries, and events written while
/// no endpoint was set or a delivery after a change was cut short); every hour, prune.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if event.cron() == deliver::PRUNE_CRON {
        deliver::prune(&env).await;
        return;
    }
    match deliver::webhooks(&env) {
        Ok(Some(webhooks)) => {
            deliver::deliver(&env, &webhooks, deliver::CLAIMS_PER_CRON).await;
        }
        Ok(None) => {}
        Err(error) => console_error!("webhook delivery: {error}"),
    }
}

/// The static asset for a read outside the API (the page, its script, the preview's WASM), or
/// `None` when there is no such file, so that core answers its JSON 404. `wrangler.toml` runs
/// the worker first for every path: the assets layer on its own would answer other methods on
/// those paths with an empty 405 that the native server cannot match.
async fn asset(request: &Request, env: &Env) -> Option<Response> {
    let fetched = match (env.assets(ASSETS_BINDING), request.clone()) {
        (Ok(assets), Ok(request)) => assets.fetch_request(request).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match fetched {
        Ok(response) if response.status_code() != 404 => Some(response),
        Ok(_) => None,
        Err(e) => {
            console_error!("static assets (`{ASSETS_BINDING}`): {e}");
            None
        }
    }
}

/// Core's answer to one request, or core's 500 when the shell cannot even ask.
async fn answer(request: Request, env: &Env) -> HttpResponse {
    match try_answer(request, env).await {
        Ok(response) => response,
        Err(error) => HttpResponse::from_error(&error),
    }
}

async fn try_answer(request: Request, env: &Env) -> Result<HttpResponse, ApiError> {
    let policies =
        policies::cached().map_err(|e| ApiError::Internal(format!("policies refused: {e}")))?;
    let incoming = exchange::read_request(request).await?;
    let store = D1Store::new(
        env.d1(D1_BINDING)
            .map_err(|e| ApiError::Internal(format!("D1 binding `{D1_BINDING}`: {e}")))?,
    );
    let headers = incoming.header_pairs();
    let request = HttpRequest {
        method: &incoming.method,
        path: &incoming.path,
        query: &incoming.query,
        headers: &headers,
        body: &incoming.body,
    };
    // `--invite-ttl` is the native server's; the worker's invites keep the default lifetime.
    Ok(http::handle(
        &policies,
        &store,
        request,
        inputs::now()?,
        inputs::fresh()?,
        InviteTtl::default(),
    )
    .await)
}
