//! A real authorization server for the OAuth client's tests: `tests/oidc/server.js`
//! (oidc-provider on Node.js) as a child process on a free port of 127.0.0.1, and a browser's
//! part played at it: [`OidcServer::authorize_as`] signs in and consents through the server's
//! own pages, following redirects by hand with its own cookies.
//!
//! The server's packages are installed by `npm ci --prefix tests/oidc` (scripts/test does it);
//! without them the test fails saying so, it never skips.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Read},
    path::PathBuf,
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use reqwest::{StatusCode, Url, header};
use serde::{Deserialize, Serialize};

/// How long the server may take to start (Node loads oidc-provider, makes an RSA key).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Redirects and pages in one sign-in, at most (a normal one takes six).
const MAX_STEPS: usize = 20;

/// One registered client.
#[derive(Debug, Clone, Serialize)]
pub struct OidcClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    /// `client_secret_basic` or `client_secret_post`; the server accepts only this one.
    pub token_endpoint_auth_method: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OidcConfig {
    pub clients: Vec<OidcClient>,
    /// Scopes beyond `openid`, `email` and `offline_access`.
    pub scopes: Vec<String>,
    pub access_token_ttl: u64,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self { clients: Vec::new(), scopes: vec!["calendar".into()], access_token_ttl: 60 }
    }
}

/// Where the server answers, as its ready line says.
#[derive(Debug, Clone, Deserialize)]
pub struct Endpoints {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
}

/// The running server; dropping it stops it.
pub struct OidcServer {
    child: Child,
    /// Held open: the server exits when it closes, so it never outlives the test process.
    _stdin: Option<ChildStdin>,
    endpoints: Endpoints,
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

impl OidcServer {
    /// Starts `tests/oidc/server.js` with `config` and waits for its ready line.
    pub fn start(config: &OidcConfig) -> Self {
        let dir = dir();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the test authorization server's packages are missing: run `npm ci --prefix tests/oidc` \
             (scripts/test does it). OAuth tests never skip."
        );
        let mut config_json = serde_json::to_value(config).expect("config");
        config_json["port"] = 0.into();
        let mut child = Command::new("node")
            .arg("server.js")
            .current_dir(&dir)
            .env("OIDC_TEST_CONFIG", config_json.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `node` (Node.js 20 or later is needed): {e}"));
        let stdin = child.stdin.take();

        // stderr is read all along (so the server never blocks on it) and shown on failure.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            // Keep draining whatever else it prints.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the test authorization server did not start ({other:?}); its stderr:\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        let endpoints: Endpoints = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the server's ready line {line:?} is not its endpoints: {e}"));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client");
        Self { child, _stdin: stdin, endpoints, stderr, http }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// What the server wrote on stderr so far (warnings, and any server error).
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Plays the user's browser: opens `authorization_url`, signs in as `account` and consents
    /// on the server's pages, and answers the URL the server finally redirects to outside itself
    /// (the client's redirect URI, with `code` and `state`, or with `error`).
    pub async fn authorize_as(&self, authorization_url: &str, account: &str) -> String {
        let issuer = Url::parse(&self.endpoints.issuer).expect("issuer");
        let mut jar = Jar::default();
        let mut url = Url::parse(authorization_url).expect("authorization URL");
        let mut form: Option<Vec<(&str, String)>> = None;
        for _ in 0..MAX_STEPS {
            let request = match form.take() {
                Some(fields) => self.http.post(url.clone()).form(&fields),
                None => self.http.get(url.clone()),
            };
            let response = jar.send(request).await;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_else(|| panic!("a {status} from {url} without Location"));
                let next = url.join(location).expect("Location is a URL");
                if next.origin() != issuer.origin() {
                    return next.into();
                }
                url = next;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            assert_eq!(status, StatusCode::OK, "the server answered {url} with:\n{body}\n{}", self.stderr());
            // A sign-in or consent page: one form, posted back with what a person would enter.
            let action = attribute(&body, "<form", "action")
                .unwrap_or_else(|| panic!("no form on the page at {url}:\n{body}"));
            let prompt = hidden_value(&body, "prompt").unwrap_or_default();
            url = url.join(&action).expect("form action");
            form = Some(match prompt.as_str() {
                "login" => vec![
                    ("prompt", "login".into()),
                    ("login", account.to_owned()),
                    ("password", "any password".into()),
                ],
                "consent" => vec![("prompt", "consent".into())],
                other => panic!("an unexpected page (prompt {other:?}) at {url}:\n{body}"),
            });
        }
        panic!("no redirect out of the server after {MAX_STEPS} steps (last: {url})")
    }
}

impl Drop for OidcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser's cookies, enough for one server: every cookie goes with every request (the
/// server ignores the ones whose path does not match), an emptied one is forgotten.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let request = if self.0.is_empty() {
            request
        } else {
            let cookie = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            request.header(header::COOKIE, cookie)
        };
        let response = request.send().await.expect("request to the authorization server");
        for set in response.headers().get_all(header::SET_COOKIE) {
            let Ok(set) = set.to_str() else { continue };
            let pair = set.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else { continue };
            let expired = set.to_ascii_lowercase().contains("expires=thu, 01 jan 1970");
            if value.is_empty() || expired {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        response
    }
}

/// The value of `attr` in the first `tag` of an HTML page, unescaped.
fn attribute(html: &str, tag: &str, attr: &str) -> Option<String> {
    let start = html.find(tag)?;
    let end = start + html[start..].find('>')?;
    let element = &html[start..end];
    let key = format!("{attr}=\"");
    let from = element.find(&key)? + key.len();
    let to = from + element[from..].find('"')?;
    Some(unescape(&element[from..to]))
}

/// The value of the hidden input named `name`.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind("<input")?;
    attribute(&html[start..], "<input", "value")
}

fn unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#x3D;", "=")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}
