//! Owner email addresses: the syntax is the `email_address` crate's; what is added here is what
//! a policy on the domain relies on. The domain must be plain ASCII letters, digits and `-`
//! (LDH labels, so an internationalised domain comes in its `xn--` form), and it is lowercased,
//! so a domain has one spelling, in the tenant and in the policies' `owner_email_domain` alike.
//! Non-ASCII domains are refused rather than converted, because converting needs Unicode's IDNA
//! tables, too large for the edge worker and the page.

use email_address::{EmailAddress, Options};

use crate::text;

/// The longest email address, in characters.
pub(crate) const MAX_EMAIL_CHARS: usize = 254;
/// The longest domain name, in characters.
const MAX_DOMAIN_CHARS: usize = 253;
/// The longest label of a domain name, in characters.
const MAX_LABEL_CHARS: usize = 63;

/// An address that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// The address with its domain in lowercase.
    pub address: String,
    /// The domain, lowercase.
    pub domain: String,
}

/// Checks an address; the error is a message for `details.fields.owner_email`.
pub(crate) fn parse(text: &str) -> Result<Address, String> {
    if text.chars().count() > MAX_EMAIL_CHARS {
        return Err(format!("must be at most {MAX_EMAIL_CHARS} characters long"));
    }
    if text::has_refused(text) {
        return Err(text::REFUSED_MESSAGE.to_owned());
    }
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        ..Options::default()
    };
    let parsed = EmailAddress::parse_with_options(text, options)
        .map_err(|_| "must be a valid email address such as `owner@example.com`".to_owned())?;
    let domain = parsed.domain().to_ascii_lowercase();
    if !is_ldh_domain(&domain) {
        return Err(
            "must have a domain of ASCII letters, digits, `-` and dots; \
                    write an internationalised domain in its `xn--` form"
                .to_owned(),
        );
    }
    Ok(Address {
        address: [parsed.local_part(), "@", &domain].concat(),
        domain,
    })
}

/// Two or more labels of 1 to 63 lowercase letters, digits and `-`, not at a label's ends.
fn is_ldh_domain(domain: &str) -> bool {
    domain.len() <= MAX_DOMAIN_CHARS
        && domain.contains('.')
        && domain.split('.').all(|label| {
            (1..=MAX_LABEL_CHARS).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_is_lowercase_ldh() {
        let parsed = parse("Ann.Lee@Sub.XN--80AK6AA92E.com").unwrap();
        assert_eq!(parsed.address, "Ann.Lee@sub.xn--80ak6aa92e.com");
        assert_eq!(parsed.domain, "sub.xn--80ak6aa92e.com");
        for refused in [
            "a@ac_me.test",
            "a@ac!me.test",
            "a@ac*me.test",
            "a@\u{ff41}cme.test",
            "a@\u{430}cme.test",
            "a@-acme.test",
            "a@acme-.test",
            "a\u{202e}@acme.test",
            "a\u{85}@acme.test",
            "a@localhost",
        ] {
            assert!(parse(refused).is_err(), "{refused}");
        }
    }
}
