//! The operator console's files (`edge-worker/public`, once `scripts/build-preview.sh` has built
//! its `pkg/`), served as the worker serves them: core's [`http::serves_asset`] decides which
//! requests are asset requests; this only reads files, and only files under the folder.

use std::path::{Component, Path, PathBuf};

use hyper::body::Bytes;
use serde_json::Map;
use tenantry_core::ErrorBody;
use tenantry_core::http::{self, HttpResponse};

/// The folder the repository's console is built into; `tenantry serve` serves it by default when
/// it has been built (it has the preview's `pkg/`).
pub const REPOSITORY_ASSETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge-worker/public");

/// What `GET /` answers when there is nothing to serve: how to get the console.
const NOT_BUILT: &str = "the console's files are not built: run `scripts/build-preview.sh`, \
    then `tenantry serve` (or `tenantry serve --assets edge-worker/public`)";

/// The console's files, or the one line saying how to build them.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    /// The folder, canonical, so every file served can be checked to lie under it.
    dir: Option<PathBuf>,
}

/// A file to send: its content type and bytes.
#[derive(Debug)]
pub(super) struct Asset {
    /// The `Content-Type` for its extension.
    pub content_type: &'static str,
    /// The file's bytes.
    pub bytes: Bytes,
}

impl Assets {
    /// The files under `dir`, or `None` (nothing to serve) when it is not a built console: a
    /// folder with `index.html` and the preview's `pkg/`.
    pub fn from_dir(dir: &Path) -> Option<Self> {
        let built = dir.join("index.html").is_file() && dir.join("pkg").is_dir();
        let dir = dir.canonicalize().ok().filter(|_| built)?;
        Some(Self { dir: Some(dir) })
    }

    /// The folder served, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The answer to an asset request (`http::serves_asset`): the file, or `Err` with core's
    /// response when there is none; `None` when core answers (not an asset request, or a path
    /// with no file, which is the API's JSON 404, as at the edge).
    pub(super) fn answer(&self, method: &str, path: &str) -> Option<Result<Asset, HttpResponse>> {
        if !http::serves_asset(method, path) {
            return None;
        }
        let Some(dir) = &self.dir else {
            return (path == "/").then(|| Err(not_built()));
        };
        let file = file_under(dir, &http::normalize_path(path))?;
        let content_type = content_type(&file)?;
        let bytes = std::fs::read(&file).ok()?;
        Some(Ok(Asset {
            content_type,
            bytes: Bytes::from(bytes),
        }))
    }
}

/// The file a normalised path names under `dir` (`/` is `index.html`, a name without an extension
/// is that name's `.html`, as Workers assets answer `/docs` with `docs.html`): only plain names,
/// never `..` or a hidden name, and after links are resolved still under `dir`.
fn file_under(dir: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    let plain = relative.components().all(
        |part| matches!(part, Component::Normal(name) if !name.to_string_lossy().starts_with('.')),
    );
    if !plain {
        return None;
    }
    let file = if relative.as_os_str().is_empty() {
        dir.join("index.html")
    } else if relative.extension().is_none() {
        dir.join(relative).with_extension("html")
    } else {
        dir.join(relative)
    };
    let file = file.canonicalize().ok()?;
    (file.starts_with(dir) && file.is_file()).then_some(file)
}

/// The content types of the console's files; other files are not served.
fn content_type(file: &Path) -> Option<&'static str> {
    Some(match file.extension()?.to_str()? {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// 404 with the line saying how to build the console, in the API's error shape.
fn not_built() -> HttpResponse {
    let body = ErrorBody {
        code: "not_found",
        message: NOT_BUILT.to_owned(),
        details: Map::new(),
        notices: Vec::new(),
    };
    HttpResponse {
        status: 404,
        headers: vec![(http::CONTENT_TYPE.0, http::CONTENT_TYPE.1.to_owned())],
        body: serde_json::to_string(&body).unwrap_or_else(|_| NOT_BUILT.to_owned()),
        log: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A built console in `public/` of a scratch folder, with a file beside it, outside.
    fn built() -> (tempfile::TempDir, Assets) {
        let scratch = tempfile::tempdir().unwrap();
        let public = scratch.path().join("public");
        std::fs::create_dir_all(public.join("pkg")).unwrap();
        std::fs::write(public.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(public.join("docs.html"), "<!doctype html>").unwrap();
        std::fs::write(public.join("pkg/core.wasm"), b"\0asm").unwrap();
        std::fs::write(public.join(".env"), "secret").unwrap();
        std::fs::write(public.join("notes.txt"), "text").unwrap();
        std::fs::write(scratch.path().join("outside.html"), "no").unwrap();
        let assets = Assets::from_dir(&public).unwrap();
        (scratch, assets)
    }

    fn served(assets: &Assets, method: &str, path: &str) -> Option<&'static str> {
        match assets.answer(method, path)? {
            Ok(asset) => Some(asset.content_type),
            Err(response) => panic!("{path}: {}", response.body),
        }
    }

    #[test]
    fn files_under_the_folder_are_served_with_their_type() {
        let (_dir, assets) = built();
        assert_eq!(
            served(&assets, "GET", "/"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            served(&assets, "HEAD", "/index.html"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            served(&assets, "GET", "/pkg/core.wasm"),
            Some("application/wasm")
        );
        assert_eq!(
            served(&assets, "GET", "/docs"),
            Some("text/html; charset=utf-8"),
            "a name without extension is its .html, as at the edge"
        );
    }

    #[test]
    fn nothing_outside_the_folder_hidden_or_untyped_is_served() {
        let (_scratch, assets) = built();
        for path in [
            "/../outside.html",
            "/pkg/../../outside.html",
            "/%2e%2e/outside.html",
            "/.env",
            "/notes.txt",
            "/missing.js",
            "/pkg",
            "/notes",
            "/pkg\\..\\..\\outside.html",
        ] {
            assert_eq!(served(&assets, "GET", path), None, "{path}");
        }
        assert_eq!(served(&assets, "POST", "/"), None);
        assert_eq!(served(&assets, "GET", "/v1/tenants"), None);
    }

    #[test]
    fn without_a_built_console_the_root_says_how_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        assert!(Assets::from_dir(dir.path()).is_none(), "no pkg/: not built");
        let none = Assets::default();
        let Some(Err(response)) = none.answer("GET", "/") else {
            panic!("no answer for /")
        };
        assert_eq!(response.status, 404);
        assert!(
            response.body.contains("scripts/build-preview.sh"),
            "{}",
            response.body
        );
        assert!(none.answer("GET", "/app.js").is_none());
    }
}
