//! `nudge-local`: run Nudge on one machine. With no command it serves every route.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use chrono::Duration;
use clap::{Args, Parser, Subcommand};
use nudge_domain::{Email, PersonName, PhoneNumber, Role, TimeZone, UserId, users};
use nudge_local::Stack;

#[derive(Parser)]
#[command(
    name = "nudge-local",
    version,
    about = "Run Nudge locally on an embedded SQLite store",
    after_help = "With TABLE_NAME (and JWT_SECRET_ARN) set, every command works on that DynamoDB \
                  table instead, with your AWS credentials: `user add --role admin` makes a \
                  deployed stack's first admin."
)]
struct Cli {
    /// Where the database and the generated JWT secret live.
    #[arg(long, env = "NUDGE_DATA_DIR", default_value = "./.nudge", global = true)]
    data_dir: PathBuf,
    /// Where `serve` listens.
    #[arg(long, env = "NUDGE_ADDR", default_value = "127.0.0.1:3000", global = true)]
    addr: SocketAddr,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every HTTP route (the default).
    Serve,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Print a bearer token for a user (alone on the last line).
    Token {
        #[arg(long)]
        user: String,
        /// How long the token is valid.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// Text the running stack as Twilio would: a signed webhook to /sms/inbound. Prints the
    /// answer; the agent's reply arrives in the outbox (`GET /api/admin/outbox`).
    Sms {
        /// The sender, E.164: a user's phone to talk as that user.
        #[arg(long)]
        from: String,
        /// What the text says.
        body: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user and print it as JSON.
    Add(AddUser),
}

#[derive(Args)]
struct AddUser {
    #[arg(long)]
    name: String,
    /// E.164, for example +14155550123.
    #[arg(long)]
    phone: String,
    /// IANA time zone, for example Europe/Paris.
    #[arg(long)]
    timezone: String,
    #[arg(long)]
    email: Option<String>,
    /// admin, user, observer or api; repeat for several.
    #[arg(long = "role")]
    roles: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("nudge-local: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let mut stack = Stack::from_env(&cli.data_dir).await.map_err(|e| e.to_string())?;
    // Twilio signs the URL it is given, and OAuth providers send the browser back to it; locally
    // that is this address unless said otherwise.
    stack.default_public_base_url(&format!("http://{}", cli.addr));
    match cli.command {
        None | Some(Command::Serve) => serve(stack, cli.addr).await,
        Some(Command::Sms { from, body }) => {
            let answer = nudge_local::text_stack(&stack, &from, &body).await.map_err(|e| e.to_string())?;
            println!("{answer}");
            Ok(())
        }
        Some(Command::User(UserCommand::Add(a))) => {
            let new = users::NewUser {
                name: PersonName::parse(&a.name).map_err(|e| e.to_string())?,
                phone: PhoneNumber::parse(&a.phone).map_err(|e| e.to_string())?,
                email: a.email.as_deref().map(Email::parse).transpose().map_err(|e| e.to_string())?,
                timezone: TimeZone::parse(&a.timezone).map_err(|e| e.to_string())?,
                roles: a
                    .roles
                    .iter()
                    .map(|r| r.parse::<Role>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?,
            };
            let user = users::create_user(&stack.state.ports, new).await.map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&user).map_err(|e| e.to_string())?);
            Ok(())
        }
        Some(Command::Token { user, days }) => {
            let id: UserId = user.parse().map_err(|e: nudge_domain::ValidationError| e.to_string())?;
            users::get_user(&stack.state.ports, id).await.map_err(|e| match e {
                nudge_domain::DomainError::NotFound(_) => format!("no user {id}"),
                other => other.to_string(),
            })?;
            if !(1..=365).contains(&days) {
                return Err("--days must be between 1 and 365".into());
            }
            let now = stack.state.ports.clock.now();
            let token = stack
                .state
                .auth
                .issue(id, now, Duration::days(days))
                .await
                .map_err(|e| e.message.to_string())?;
            println!("{token}");
            Ok(())
        }
    }
}

async fn serve(stack: Stack, addr: SocketAddr) -> Result<(), String> {
    nudge_http::telemetry::init();
    let stack = std::sync::Arc::new(stack);
    stack.spawn_background();
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, data_dir = %stack.data_dir.display(), "nudge-local listening on http://{addr}");
    // With the peer's address, so the audit log records who decided from where.
    axum::serve(listener, stack.router().into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
