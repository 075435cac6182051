//! The invite mail that `tenantry serve --smtp-url` sends for an `invite.created`: which
//! language, its subject, its plain text and its HTML, all from the event and the platform's
//! name. Pure: the native shell only hands the result to an SMTP client.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::model::Timestamp;

/// Where `{token}` goes in an invite link.
const TOKEN_PLACEHOLDER: &str = "{token}";

/// The link of an invite mail, as the operator wrote it: an `http(s)` URL with `{token}` in it
/// (`https://app.example.com/invite?token={token}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteLink(String);

/// Why a link or an event cannot make a mail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The link template is not an http(s) URL holding `{token}`.
    #[error(
        "an invite link is an http:// or https:// URL holding `{{token}}`, \
         e.g. `https://app.example.com/invite?token={{token}}`"
    )]
    Link,
    /// The event is not an `invite.created` with a token (a bug, or a stored row damaged).
    #[error("the event is not an invite with its token: {0}")]
    Event(String),
}

impl InviteLink {
    /// Checks a template: an absolute `http(s)` URL once `{token}` is filled in.
    pub fn parse(template: &str) -> Result<Self, MailError> {
        let filled = template.replace(TOKEN_PLACEHOLDER, "0");
        let url = url::Url::parse(&filled).map_err(|_| MailError::Link)?;
        let ok = template.contains(TOKEN_PLACEHOLDER)
            && matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some();
        ok.then(|| Self(template.to_owned())).ok_or(MailError::Link)
    }

    /// The link for one token (hex, so nothing in it needs escaping in a URL).
    fn with(&self, token: &str) -> String {
        self.0.replace(TOKEN_PLACEHOLDER, token)
    }
}

/// A mail ready to send: to whom, its subject, and its two bodies (multipart/alternative).
/// Its bodies hold the invite's token: `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteMail {
    /// The owner's name, for the `To` header.
    pub to_name: String,
    /// The owner's address.
    pub to_address: String,
    /// The subject line.
    pub subject: String,
    /// The plain text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

impl fmt::Debug for InviteMail {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("InviteMail")
            .field("to_address", &self.to_address)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// The fields of an `invite.created`'s data that a mail uses.
#[derive(Deserialize)]
struct InviteData {
    tenant: TenantName,
    email: String,
    name: String,
    locale: String,
    expires_at: Timestamp,
}

#[derive(Deserialize)]
struct TenantName {
    name: String,
}

/// The languages a mail is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    French,
}

impl Language {
    /// French for `fr` and its regions (`fr-CA`, `fr_FR`, any case); English otherwise.
    fn of(locale: &str) -> Self {
        let primary = locale.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Self::French
        } else {
            Self::English
        }
    }
}

/// The words of a mail in one language; `{}`-free pieces put together by [`invite_mail`].
struct Words {
    subject: fn(&str, &str) -> String,
    greeting: fn(&str) -> String,
    invited: fn(&str, &str) -> String,
    accept: &'static str,
    button: &'static str,
    expires: fn(&str) -> String,
    ignore: &'static str,
    lang: &'static str,
}

const ENGLISH: Words = Words {
    subject: |tenant, platform| format!("You are invited to {tenant} on {platform}"),
    greeting: |name| format!("Hello {name},"),
    invited: |platform, tenant| {
        format!("{platform} has created {tenant} for you and invites you to be its owner.")
    },
    accept: "Accept the invitation:",
    button: "Accept the invitation",
    expires: |at| format!("The link works once and expires on {at}."),
    ignore: "If you were not expecting this invitation, you can ignore this message.",
    lang: "en",
};

const FRENCH: Words = Words {
    subject: |tenant, platform| format!("Invitation à rejoindre {tenant} sur {platform}"),
    greeting: |name| format!("Bonjour {name},"),
    invited: |platform, tenant| {
        format!("{platform} a créé {tenant} pour vous et vous invite à en être le propriétaire.")
    },
    accept: "Acceptez l'invitation :",
    button: "Accepter l'invitation",
    expires: |at| format!("Le lien ne fonctionne qu'une fois et expire le {at}."),
    ignore: "Si vous n'attendiez pas cette invitation, vous pouvez ignorer ce message.",
    lang: "fr",
};

/// The mail of an `invite.created` (its stored `data` and its `token`) from the platform called
/// `platform`: French for a French locale, else English; the names escaped in the HTML.
pub fn invite_mail(
    data: &Value,
    token: &str,
    platform: &str,
    link: &InviteLink,
) -> Result<InviteMail, MailError> {
    let invite = InviteData::deserialize(data).map_err(|e| MailError::Event(e.to_string()))?;
    let words = match Language::of(&invite.locale) {
        Language::English => &ENGLISH,
        Language::French => &FRENCH,
    };
    let tenant = invite.tenant.name.as_str();
    let url = link.with(token);
    let expires = expiry(invite.expires_at);
    let text = format!(
        "{}\n\n{}\n{}\n\n{url}\n\n{}\n{}\n",
        (words.greeting)(&invite.name),
        (words.invited)(platform, tenant),
        words.accept,
        (words.expires)(&expires),
        words.ignore,
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body>\n<p>{greeting}</p>\n<p>{invited}</p>\n<p><a href=\"{href}\">{button}</a></p>\n\
         <p>{expires}</p>\n<p>{ignore}</p>\n</body></html>\n",
        lang = words.lang,
        title = escape((words.subject)(tenant, platform).as_str()),
        greeting = escape(&(words.greeting)(&invite.name)),
        invited = escape(&(words.invited)(platform, tenant)),
        href = escape(&url),
        button = escape(words.button),
        expires = escape(&(words.expires)(&expires)),
        ignore = escape(words.ignore),
    );
    Ok(InviteMail {
        to_name: invite.name.clone(),
        to_address: invite.email,
        subject: (words.subject)(tenant, platform),
        text,
        html,
    })
}

/// An expiry as people read it, in UTC: `2026-12-06 17:16 UTC`.
fn expiry(at: Timestamp) -> String {
    let text = at.to_rfc3339();
    match (text.get(..10), text.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => text,
    }
}

/// Text as HTML text or an attribute's value: the five characters with a meaning escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn data(tenant: &str, name: &str, locale: &str) -> Value {
        json!({"tenant": {"name": tenant, "id": "x"}, "user_id": "u", "email": "ann@acme.test",
               "name": name, "locale": locale, "expires_at": "2026-12-06T17:16:28Z"})
    }

    fn link() -> InviteLink {
        InviteLink::parse("https://app.example.com/invite?token={token}")
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn mail(tenant: &str, name: &str, locale: &str) -> InviteMail {
        invite_mail(&data(tenant, name, locale), "ab12", "Platform Co", &link())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn french_locales_get_the_french_mail_and_others_the_english_one() {
        for locale in ["fr", "fr-CA", "FR-fr", "fr_BE"] {
            let mail = mail("Acme", "Ann", locale);
            assert_eq!(
                mail.subject, "Invitation à rejoindre Acme sur Platform Co",
                "{locale}"
            );
            assert!(mail.text.starts_with("Bonjour Ann,"), "{locale}");
            assert!(mail.html.contains("lang=\"fr\""), "{locale}");
        }
        for locale in ["en", "en-GB", "de", "fra", "frr", ""] {
            let mail = mail("Acme", "Ann", locale);
            assert_eq!(mail.subject, "You are invited to Acme on Platform Co");
            assert!(mail.text.starts_with("Hello Ann,"), "{locale}");
        }
    }

    #[test]
    fn the_mail_names_the_tenant_and_the_platform_and_links_the_token() {
        let mail = mail("Acme", "Ann", "en");
        let url = "https://app.example.com/invite?token=ab12";
        assert!(
            mail.text.contains(url) && mail.html.contains(url),
            "{mail:?}"
        );
        assert!(
            mail.text
                .contains("Platform Co has created Acme for you and invites you to be its owner.")
        );
        assert!(mail.text.contains("expires on 2026-12-06 17:16 UTC"));
        assert_eq!(
            (mail.to_name.as_str(), mail.to_address.as_str()),
            ("Ann", "ann@acme.test")
        );
        assert!(!format!("{mail:?}").contains("ab12"));
    }

    #[test]
    fn names_are_escaped_in_the_html_and_kept_in_the_text() {
        let mail = mail("<b>R&D</b>", "Ann \"O'Neil\"", "en");
        assert!(
            mail.html.contains("&lt;b&gt;R&amp;D&lt;/b&gt;"),
            "{}",
            mail.html
        );
        assert!(
            mail.html.contains("Ann &quot;O&#39;Neil&quot;"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<b>R"));
        assert!(mail.text.contains("<b>R&D</b>"));
        assert_eq!(mail.subject, "You are invited to <b>R&D</b> on Platform Co");
    }

    #[test]
    fn a_link_is_an_http_url_with_the_placeholder() {
        assert!(InviteLink::parse("http://localhost:3000/i/{token}").is_ok());
        for refused in [
            "https://app.example.com/invite",
            "ftp://app.example.com/{token}",
            "/invite?token={token}",
            "javascript:alert({token})",
        ] {
            assert_eq!(
                InviteLink::parse(refused),
                Err(MailError::Link),
                "{refused}"
            );
        }
    }

    #[test]
    fn data_that_is_not_an_invite_is_refused() {
        let refused = invite_mail(&json!({"id": "t"}), "ab", "P", &link());
        assert!(matches!(refused, Err(MailError::Event(_))));
    }
}
