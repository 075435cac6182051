//! Characters that text fields refuse: controls, and the invisible formatting characters that
//! make stored text read differently from what it is (bidirectional overrides, zero-width
//! characters, soft hyphens, tags).
//!
//! The format characters (Unicode general category `Cf`) are listed by hand: the standard
//! library does not expose the category, and the crates that do carry tables for every category
//! where this needs one short list (it must stay small enough for the edge worker and the page).

/// The code points of Unicode's general category `Cf` (format characters), as of Unicode 15.1.
const FORMAT: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// The message for a field that holds a [refused](is_refused) character.
pub(crate) const REFUSED_MESSAGE: &str =
    "must not contain control or invisible formatting characters";

/// Whether a text field refuses `c`: a control character (C0, DEL, C1), a format character
/// (`Cf`: bidirectional overrides and isolates, zero-width spaces and joiners, …), or a line or
/// paragraph separator (U+2028, U+2029), which break lines like a control does.
pub(crate) fn is_refused(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || FORMAT.iter().any(|&(from, to)| (from..=to).contains(&c))
}

/// Whether `text` holds a [refused](is_refused) character.
pub(crate) fn has_refused(text: &str) -> bool {
    // Printable ASCII, most of any text, is never refused: only the rest is looked up.
    text.chars()
        .any(|c| !(' '..='~').contains(&c) && is_refused(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_formats_and_separators_are_refused() {
        for c in [
            '\0',
            '\u{7}',
            '\n',
            '\u{7f}',
            '\u{85}',
            '\u{9b}',
            '\u{ad}',
            '\u{200b}',
            '\u{200d}',
            '\u{200e}',
            '\u{202e}',
            '\u{2028}',
            '\u{2029}',
            '\u{2066}',
            '\u{feff}',
            '\u{e0041}',
        ] {
            assert!(is_refused(c), "{:?}", c);
        }
        for c in ['a', ' ', 'é', 'ж', '日', '\u{a0}', '\u{2013}', '😀'] {
            assert!(!is_refused(c), "{:?}", c);
        }
        for c in (0..=0x7f_u8).map(char::from) {
            assert_eq!(has_refused(&format!("a{c}b")), is_refused(c), "{:?}", c);
        }
    }

    #[test]
    fn the_ranges_are_ordered_and_disjoint() {
        for pair in FORMAT.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:?}");
        }
    }
}
