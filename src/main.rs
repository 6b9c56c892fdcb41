use clap::Parser;

fn main() {
    let args = async_lint::cli::Args::parse();
    std::process::exit(async_lint::cli::run(args, async_lint::cli::Invocation::Direct));
}
