//! `tutela requests answer`: the data a verified access or portability
//! request (or a hand_to directive applied at death) hands over, rendered for the subject and written to a private
//! file (or to standard output), so a DPO can answer from a terminal.

use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::path::Path;
use tutela_engine::RequestAnswer;
use tutela_engine::answer::{access_csv, access_html, access_markdown, portable_csv};

/// A rendering the DPO may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFormat {
    /// JSON, for machines.
    Json,
    /// CSV, one row per record, for a spreadsheet.
    Csv,
    /// A readable Markdown summary (access only).
    Markdown,
    /// A standalone HTML page (access only).
    Html,
}

/// Parses `--format`.
pub fn parse_format(text: &str) -> Result<AnswerFormat, String> {
    match text {
        "json" => Ok(AnswerFormat::Json),
        "csv" => Ok(AnswerFormat::Csv),
        "md" => Ok(AnswerFormat::Markdown),
        "html" => Ok(AnswerFormat::Html),
        _ => Err("must be json, csv, md or html".to_owned()),
    }
}

/// The answer rendered as asked; a portability export has no Markdown or
/// HTML form.
pub fn render(answer: &RequestAnswer, format: AnswerFormat) -> Result<String> {
    let text = match (answer, format) {
        (RequestAnswer::Access(a), AnswerFormat::Json) => serde_json::to_string_pretty(a)?,
        (RequestAnswer::Access(a), AnswerFormat::Csv) => access_csv(a)?,
        (RequestAnswer::Access(a), AnswerFormat::Markdown) => access_markdown(a),
        (RequestAnswer::Access(a), AnswerFormat::Html) => access_html(a),
        (RequestAnswer::Portable(p), AnswerFormat::Json) => serde_json::to_string_pretty(p)?,
        (RequestAnswer::Portable(p), AnswerFormat::Csv) => portable_csv(p)?,
        (RequestAnswer::Portable(_), _) => {
            return Err(anyhow!("--format: a portability export is json or csv"));
        }
        (
            RequestAnswer::HandedOver {
                person,
                death_recorded_at,
                answer,
            },
            AnswerFormat::Json,
        ) => serde_json::to_string_pretty(&serde_json::json!({
            "handed_to": person,
            "death_recorded_at": death_recorded_at,
            "answer": answer,
        }))?,
        (RequestAnswer::HandedOver { .. }, _) => {
            return Err(anyhow!(
                "--format: a directive's hand-over is json (it names the person it is for)"
            ));
        }
    };
    Ok(text)
}

/// Writes `text` to a new file readable by its owner only; an existing
/// file is never overwritten.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        format!(
            "cannot create {} (--out; an existing file is never overwritten)",
            path.display()
        )
    })?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_a_bad_one_names_the_choices() {
        assert_eq!(parse_format("csv"), Ok(AnswerFormat::Csv));
        assert_eq!(parse_format("md"), Ok(AnswerFormat::Markdown));
        assert!(
            parse_format("pdf")
                .unwrap_err()
                .contains("json, csv, md or html")
        );
    }

    #[test]
    fn the_answer_file_is_private_and_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("tutela-answer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("answer.csv");
        let _ = std::fs::remove_file(&path);
        write_private(&path, "a,b\r\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = write_private(&path, "other").unwrap_err();
        assert!(err.to_string().contains("--out"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\r\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
