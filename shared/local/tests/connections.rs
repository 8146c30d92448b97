//! Connected accounts in the local stack, with the real binary: the key ring is made once in
//! the data directory (owner-only) and kept across restarts, providers come from `OAUTH_*`, and
//! their redirect URIs are under the stack's own address unless `PUBLIC_BASE_URL` says.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nudge-local");

/// The variables these tests set, unset unless a test sets them, so the developer's own never
/// leak in.
const VARS: [&str; 9] = [
    "PUBLIC_BASE_URL",
    "TOKEN_KEYS",
    "TABLE_NAME",
    "JWT_SECRET",
    "OAUTH_PROVIDERS",
    "OAUTH_GOOGLE_CLIENT_ID",
    "OAUTH_GOOGLE_CLIENT_SECRET",
    "OAUTH_NOTION_CLIENT_ID",
    "OAUTH_NOTION_CLIENT_SECRET",
];

fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "nudge-local-connections-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    for var in VARS {
        c.env_remove(var);
    }
    c.envs(env.iter().copied()).env("NUDGE_DATA_DIR", dir);
    c
}

/// A user made with the CLI, and a token for them.
fn user_token(dir: &Path) -> String {
    let out = command(dir, &[])
        .args(["user", "add", "--name", "Ada", "--phone", "+14155550170", "--timezone", "UTC"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let user: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = command(dir, &[]).args(["token", "--user", user["id"].as_str().unwrap()]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(dir: &Path, env: &[(&str, &str)]) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = command(dir, env)
        .env("NUDGE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (server, format!("http://127.0.0.1:{port}"));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nudge-local did not listen on {port}");
}

async fn get(base: &str, path: &str, token: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn the_key_ring_is_made_once_and_providers_come_from_the_environment() {
    let dir = data_dir();
    let token = user_token(&dir);
    let ring_file = dir.join("token-keys.json");
    let ring = std::fs::read_to_string(&ring_file).expect("made on first start");
    let parsed: Value = serde_json::from_str(&ring).unwrap();
    let current = parsed["current"].as_str().unwrap();
    assert!(parsed["keys"][current].is_string(), "{parsed:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ring_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }

    // No provider configured: none offered, every one unknown.
    {
        let (_server, base) = serve(&dir, &[]).await;
        let (s, body) = get(&base, "/api/integrations", &token).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["data"]["providers"], serde_json::json!([]));
        let (s, body) = get(&base, "/oauth/google/start", &token).await;
        assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    }

    // Google's client in the environment: offered, and its redirect URI is the stack's own.
    let google = [("OAUTH_GOOGLE_CLIENT_ID", "local-client"), ("OAUTH_GOOGLE_CLIENT_SECRET", "local-secret")];
    {
        let (_server, base) = serve(&dir, &google).await;
        let (s, body) = get(&base, "/api/integrations", &token).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["data"]["providers"][0]["name"], "google", "{body}");
        let (s, body) = get(&base, "/oauth/google/start", &token).await;
        assert_eq!(s, 200, "{body}");
        let url = reqwest::Url::parse(body["data"]["authorization_url"].as_str().unwrap()).unwrap();
        let redirect = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
        assert_eq!(redirect, format!("{base}/oauth/google/callback"));
    }

    // PUBLIC_BASE_URL, when set, is what the providers are given.
    let mut env = google.to_vec();
    env.push(("PUBLIC_BASE_URL", "https://nudge.example.org/"));
    let (_server, base) = serve(&dir, &env).await;
    let (_, body) = get(&base, "/oauth/google/start", &token).await;
    let url = body["data"]["authorization_url"].as_str().unwrap();
    assert!(
        url.contains("redirect_uri=https%3A%2F%2Fnudge.example.org%2Foauth%2Fgoogle%2Fcallback"),
        "{url}"
    );

    assert_eq!(std::fs::read_to_string(&ring_file).unwrap(), ring, "the same ring across restarts");
    let _ = std::fs::remove_dir_all(&dir);
}
