//! Writes the benchmark inputs to a directory, so that the Python and Java baselines measure
//! exactly the bytes the Rust benches do, and the load generator posts the notification set
//! (`DIR/templates/NAME-CHARSET.txt`, `{n}` for the unique part): `write-fixtures DIR`.

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
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates)?;
    for body in pgkit_benches::bodies::notification_set() {
        for (label, charset) in [
            ("utf8", pg_core::Charset::Utf8),
            ("euckr", pg_core::Charset::EucKr),
        ] {
            std::fs::write(
                templates.join(format!("{}-{label}.txt", body.name)),
                body.template(charset),
            )?;
        }
    }
    println!("{}", dir.display());
    Ok(())
}
