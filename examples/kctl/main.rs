//! kctl: a kubectl-compatible example CLI built only on k8s-client's public API.
//!
//! Run it from the repository root: `cargo run -q --example kctl -- get pods -A`.
//! It reads the kubeconfig like kubectl (`--kubeconfig`, else `KUBECONFIG`, else
//! `~/.kube/config`; `--context`, `-n`) and prints what kubectl prints for the
//! same cluster: `-o json`, `-o yaml` and `-o name` byte for byte, tables with
//! the server's columns. Errors read like kubectl's and exit with code 1.
//!
//! One job per module: `cli` parses arguments, `session` loads the kubeconfig
//! and builds the client, `resources` maps TYPE arguments to API resources,
//! `manifests` reads `-f` files, `printers`/`json`/`yaml`/`table` format
//! output, and `get`, `apply`, `discover`, `remote` (exec, port-forward) and
//! `config_cmd` run the commands.

/// `print!` that ends the program quietly when stdout is closed (`kctl get | head`)
/// instead of panicking as `print!` does.
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_stdout(&format!($($arg)*)) };
}

/// `println!` with [`out!`]'s handling of a closed stdout.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::write_stdout(&format!("{}\n", format!($($arg)*))) };
}

mod apply;
mod cli;
mod config_cmd;
mod discover;
mod error;
mod get;
mod json;
mod manifests;
mod printers;
mod remote;
mod resources;
mod session;
mod table;
mod terminal;
mod yaml;

use std::process::ExitCode;

use cli::Command;
use error::Failure;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(&args));
    // A read of stdin (`exec -i`) may still be blocked: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report();
            failure.exit_code()
        }
    }
}

/// Writes to stdout; a reader that went away ends the program (exit code 1,
/// nothing more to say), any other write error is reported.
fn write_stdout(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: writing output: {e}");
        }
        std::process::exit(1);
    }
}

async fn run(args: &[String]) -> Result<(), Failure> {
    let (global, command) = cli::parse(args).map_err(Failure::Usage)?;
    match command {
        Command::Help(usage) => {
            out!("{usage}");
            Ok(())
        }
        Command::ConfigView {
            minify,
            raw,
            output,
        } => config_cmd::view(&global, minify, raw, output.as_deref()).await,
        Command::ConfigGetContexts { names, output } => {
            config_cmd::get_contexts(&global, &names, output.as_deref()).await
        }
        Command::ConfigCurrentContext => config_cmd::current_context(&global).await,
        Command::ConfigUseContext { name } => config_cmd::use_context(&global, &name).await,
        command => {
            let session = session::Session::connect(&global).await?;
            let result = match command {
                Command::Version { output } => discover::version(&session, output.as_deref()).await,
                Command::ApiVersions => discover::api_versions(&session).await,
                Command::ApiResources {
                    output,
                    namespaced,
                    api_group,
                } => {
                    discover::api_resources(
                        &session,
                        output.as_deref(),
                        namespaced,
                        api_group.as_deref(),
                    )
                    .await
                }
                Command::Get {
                    args,
                    selector,
                    field_selector,
                    output,
                    watch,
                } => {
                    let request = get::GetRequest {
                        args,
                        selector,
                        field_selector,
                        output: printers::Format::parse(output.as_deref(), printers::GET_FORMATS)?,
                        watch,
                    };
                    get::run(&session, &request).await
                }
                Command::Apply {
                    files,
                    field_manager,
                    force_conflicts,
                    output,
                } => {
                    let format =
                        printers::Format::parse(output.as_deref(), printers::MUTATE_FORMATS)?;
                    apply::apply(&session, &files, &field_manager, force_conflicts, format).await
                }
                Command::Create { files, output } => {
                    let format =
                        printers::Format::parse(output.as_deref(), printers::MUTATE_FORMATS)?;
                    apply::create(&session, &files, format).await
                }
                Command::Delete { args, files } => apply::delete(&session, &args, &files).await,
                Command::Exec(request) => remote::exec(&session, &request).await,
                Command::PortForward { pod, ports } => {
                    remote::port_forward(&session, &pod, &ports).await
                }
                // Handled above, without a connection.
                Command::Help(_)
                | Command::ConfigView { .. }
                | Command::ConfigGetContexts { .. }
                | Command::ConfigCurrentContext
                | Command::ConfigUseContext { .. } => Ok(()),
            };
            report_discovery_requests(&session);
            result
        }
    }
}

/// With `KCTL_DISCOVERY_STATS` set, says on stderr how many discovery requests
/// the command sent: none with a warm disk cache, two for a cold aggregated load.
fn report_discovery_requests(session: &session::Session) {
    if std::env::var_os("KCTL_DISCOVERY_STATS").is_some() {
        eprintln!(
            "kctl: {} discovery request(s), {} answered 304 Not Modified",
            session.discovery.request_count(),
            session.discovery.not_modified_count()
        );
    }
}
