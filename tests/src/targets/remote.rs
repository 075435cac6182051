//! A server reached over HTTP and administered with the `tenantry` program.

use uuid::Uuid;

use crate::http_client::HttpClient;
use crate::targets::cli::Database;
use crate::{Request, Response, RowCounts, Target, WriteCounts};

/// A server over HTTP, its database, and whatever must live as long as it (a child process).
pub struct Remote {
    name: &'static str,
    client: HttpClient,
    database: Database,
    _keep: Option<Box<dyn Send + Sync>>,
}

impl Remote {
    /// A server at `base`, its database, and what to drop when done with it.
    pub fn new(
        name: &'static str,
        base: &str,
        database: Database,
        keep: Option<Box<dyn Send + Sync>>,
    ) -> Self {
        Self {
            name,
            client: HttpClient::new(base),
            database,
            _keep: keep,
        }
    }
}

impl Target for Remote {
    fn name(&self) -> &str {
        self.name
    }

    fn send(&self, request: &Request) -> Response {
        self.client.send(request)
    }

    fn bootstrap(&self) -> (Uuid, String) {
        self.database.bootstrap()
    }

    fn issue_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        self.database.issue_key(tenant, scopes)
    }

    fn revoke_key(&self, key_id: Uuid) {
        self.database.revoke_key(key_id)
    }

    fn count_rows(&self, slug: &str) -> RowCounts {
        self.database.count_rows(slug)
    }

    fn count_writes(&self) -> WriteCounts {
        self.database.count_writes()
    }
}
