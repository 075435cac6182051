//! Which files of `policies/` and `migrations/` core embeds, and in which order. Shared by
//! `build.rs`, which generates the lists, and by `tests/embedded.rs`, which tests these rules.

/// The `.cedar` files among a folder's file names, sorted by name: every one is embedded, so a
/// file an operator adds takes effect instead of being silently ignored.
pub(crate) fn policy_files(names: &[String]) -> Vec<String> {
    let mut files: Vec<String> = names
        .iter()
        .filter(|name| name.ends_with(".cedar"))
        .cloned()
        .collect();
    files.sort();
    files
}

/// The `.sql` files among a folder's file names, in order. Each must be named `NNNN_name.sql`
/// and the numbers must run 1, 2, 3, … without a gap or a repeat: `PRAGMA user_version` counts
/// the migrations applied, and wrangler applies the same files by name, so both must agree.
pub(crate) fn migration_files(names: &[String]) -> Result<Vec<String>, String> {
    let mut numbered = Vec::new();
    for name in names.iter().filter(|name| name.ends_with(".sql")) {
        let number = name
            .split_once('_')
            .filter(|(digits, rest)| {
                digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) && rest.len() > 4
            })
            .and_then(|(digits, _)| digits.parse::<usize>().ok())
            .ok_or_else(|| format!("migration `{name}` is not named `NNNN_name.sql`"))?;
        numbered.push((number, name.clone()));
    }
    numbered.sort();
    let mut files = Vec::with_capacity(numbered.len());
    for (expected, (number, name)) in (1..).zip(&numbered) {
        if *number < expected {
            return Err(format!(
                "migrations `{}` and `{name}` share the number {number:04}",
                files.last().map_or("", |f: &String| f.as_str())
            ));
        }
        if *number > expected {
            return Err(format!(
                "migration {expected:04} is missing before `{name}`; number migrations without gaps"
            ));
        }
        files.push(name.clone());
    }
    Ok(files)
}
