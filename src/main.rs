//! The `minis3` command-line tool.
fn main() {
    eprintln!("minis3: not implemented yet");
    std::process::exit(1);
}
