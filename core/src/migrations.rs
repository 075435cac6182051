//! The migrations of `migrations/`, embedded: every `NNNN_name.sql` file, in order (the build
//! refuses a gap or a repeated number). The native store applies them in order and counts them in
//! `PRAGMA user_version`; D1 applies the same files with `wrangler d1 migrations apply`.

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
