//! Writes the benchmark inputs to a directory, so that the Python and Java baselines measure
//! exactly the bytes the Rust benches do: `write-fixtures DIR`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/pgkit-bench/fixtures".into()),
    );
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("notification-utf8.form"),
        pgkit_benches::notification_body(pg_core::Charset::Utf8),
    )?;
    std::fs::write(
        dir.join("notification-euckr.form"),
        pgkit_benches::notification_body(pg_core::Charset::EucKr),
    )?;
    std::fs::write(
        dir.join("aes-plaintext.txt"),
        pgkit_benches::aes_plaintext(),
    )?;
    std::fs::write(dir.join("merchant-key.txt"), pgkit_benches::MERCHANT_KEY)?;
    std::fs::write(
        dir.join("encrypt-data.txt"),
        format!(
            "{}\n{}\n{}\n",
            pgkit_benches::EDI_DATE,
            pgkit_benches::MID,
            pgkit_benches::AMT
        ),
    )?;
    println!("{}", dir.display());
    Ok(())
}
