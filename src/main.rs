//! The `minis3` command-line tool: `aws s3`-like commands on minis3's S3 client.
#![forbid(unsafe_code)]

mod cli;
#[cfg(test)]
mod test_secrets;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let env = minis3::config::env::Environment::from_process();
    std::process::exit(cli::run(args, env));
}
