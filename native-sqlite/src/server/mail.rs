//! The invite mailer of `tenantry serve --smtp-url`: a consumer of the outbox beside the
//! webhook deliverer (`deliver.rs`), with its own state per event, that mails each
//! `invite.created` as core writes it ([`tenantry_core::invite_mail`]) through an SMTP relay with
//! lettre. Killed at any moment, it mails on restart whatever the relay had not accepted.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message, SmtpTransport, Transport};
use tenantry_core::sql::{self, SqlStatement};
use tenantry_core::{
    ATTEMPT_TIMEOUT_SECONDS, DueEvent, InviteLink, Outcome, RetrySchedule, after_attempt,
    invite_mail,
};

use super::deliver::POLL;
use crate::server::Pool;
use crate::{NativeError, system};

/// How many invites one claim takes: few enough that all of them are tried within the lease.
const BATCH: u32 = 4;

/// How invites are mailed: the relay, the sender, the link, and the retry settings.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    link: InviteLink,
    /// The retry delays of a mail the relay refused.
    pub schedule: RetrySchedule,
    /// How long a claim holds its invites, in seconds.
    pub lease_seconds: i64,
    /// Whether a webhook endpoint is configured too: then an invite keeps its token, once
    /// mailed, until it is delivered there as well.
    pub webhooks: bool,
}

/// Written by hand: the relay's URL may hold a password.
impl fmt::Debug for Mailer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer through the relay at `smtp_url` (lettre's form: `smtp://host:port`, with
    /// `user:pass@` and `?tls=required` as needed; `smtps://` for TLS from the start), sending
    /// from `from` (`noreply@example.com` or `Name <noreply@example.com>`), linking to
    /// `link`, a template holding `{token}`. Nothing is sent yet: a relay that is down is met
    /// by the first mail, which is then retried.
    pub fn new(smtp_url: &str, from: &str, link: &str) -> Result<Self, NativeError> {
        let refused = |what: String| NativeError::System(what);
        let transport = SmtpTransport::from_url(smtp_url)
            .map_err(|e| refused(format!("--smtp-url: {e}")))?
            .timeout(Some(Duration::from_secs(ATTEMPT_TIMEOUT_SECONDS)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| refused(format!("--invite-from `{from}`: {e}")))?;
        let link = InviteLink::parse(link).map_err(|e| refused(format!("--invite-link: {e}")))?;
        Ok(Self {
            transport,
            from,
            link,
            schedule: RetrySchedule::default(),
            lease_seconds: tenantry_core::LEASE_SECONDS,
            webhooks: false,
        })
    }

    /// The message for one invite: core's mail, with the headers lettre writes.
    fn message(&self, pool: &Pool, event: &DueEvent) -> Result<Message, String> {
        let token = event
            .invite_token
            .as_deref()
            .ok_or("the invite's token is gone")?;
        let platform = pool
            .with(|t| t.store().platform_name())
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
            .ok_or("the database has no platform tenant")?;
        let mail =
            invite_mail(&event.data, token, &platform, &self.link).map_err(|e| e.to_string())?;
        let address = mail
            .to_address
            .parse::<Address>()
            .map_err(|e| format!("the owner's address: {e}"))?;
        // lettre quotes and encodes the name as a header needs.
        let to = Mailbox::new(Some(mail.to_name), address);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| e.to_string())
    }
}

/// Starts the mailer on its own thread; it runs as long as the process.
pub fn spawn(pool: Arc<Pool>, mailer: Mailer) {
    std::thread::spawn(move || {
        loop {
            match mailer.mail_due(&pool) {
                Ok(0) => std::thread::sleep(POLL),
                Ok(_) => {}
                Err(error) => {
                    eprintln!("tenantry: invite mail: {error}");
                    std::thread::sleep(POLL);
                }
            }
        }
    });
}

impl Mailer {
    /// Claims the invites due (under a lease, so none is mailed twice at once), tries each
    /// once, and stores what core makes of each outcome; answers how many were tried.
    fn mail_due(&self, pool: &Pool) -> Result<usize, NativeError> {
        let now = system::now()?;
        let claim = sql::claim_due_mails(now, now.plus_seconds(self.lease_seconds), BATCH);
        let due = pool.with(|t| t.store().claim(&claim))??;
        for event in &due {
            let outcome = self.attempt(pool, event);
            let attempted = after_attempt(event, outcome, system::now()?, &self.schedule);
            let record: SqlStatement = sql::record_mail(&attempted, self.webhooks);
            pool.with(|t| t.store().execute_atomically(&[record]))??;
        }
        Ok(due.len())
    }

    /// Renders and sends the mail; anything that stops it (the relay down or refusing, an
    /// event that makes no mail) is a failed attempt, retried on the schedule.
    fn attempt(&self, pool: &Pool, event: &DueEvent) -> Outcome {
        let sent = self
            .message(pool, event)
            .and_then(|message| self.transport.send(&message).map_err(|e| e.to_string()));
        match sent {
            Ok(_) => Outcome::Delivered,
            Err(error) => Outcome::Failed(error),
        }
    }
}
