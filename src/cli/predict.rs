//! `predict-worker predict`: offline prediction. JSONL requests on stdin, exactly one JSONL reply per
//! line on stdout, in order, in micro-batches. No broker. A model that cannot load prints nothing on stdout.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;

use super::{CliError, ConfigArgs};
use crate::config::{Overrides, Settings};
use crate::model::{load_model, LoadLimits, Model};
use crate::protocol::{self, Message, RequestError, Schema};

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file (default: model.path from configuration, `outputs/best_model.pkl`).
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Lines predicted together in one model call.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub chunk: usize,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: PredictArgs) -> Result<(), CliError> {
    let settings = offline_settings(&args.config, args.model.clone())?;
    let model = load(&settings)?;
    let schema = Schema::for_model(
        &model,
        settings.worker.max_instances,
        settings.worker.max_body_bytes,
    );
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    predict_stream(
        &model,
        &schema,
        stdin.lock(),
        &mut out,
        args.chunk.max(1),
        settings.worker.max_body_bytes,
    )
    .map_err(|e| CliError::io("writing replies to stdout", e))?;
    out.flush()
        .map_err(|e| CliError::io("writing replies to stdout", e))
}

/// Load the configured model with the configured limits.
/// Settings for a command that only reads a model (`--config`, `--model`), with logging at warn on
/// stderr so stdout stays clean for data.
pub fn offline_settings(
    config: &ConfigArgs,
    model: Option<std::path::PathBuf>,
) -> Result<Settings, CliError> {
    let settings = Settings::load(
        config.config.as_deref(),
        &Overrides {
            model,
            ..Overrides::default()
        },
    )?;
    crate::telemetry::init(&settings.telemetry.log_format, "warn")?;
    Ok(settings)
}

/// Load the model the settings name, within their size limits.
pub fn load(settings: &Settings) -> Result<Model, CliError> {
    let limits = LoadLimits {
        max_file_bytes: settings.model.max_file_bytes,
        max_decompressed_bytes: settings.model.max_decompressed_bytes,
        ..LoadLimits::default()
    };
    Ok(load_model(&settings.model.path, &limits)?)
}

/// Answer every line of `input` on `output`, `chunk` lines per model call.
pub fn predict_stream<R: BufRead, W: Write>(
    model: &Model,
    schema: &Schema,
    mut input: R,
    output: &mut W,
    chunk: usize,
    max_line: usize,
) -> std::io::Result<()> {
    let mut lines: Vec<Vec<u8>> = Vec::with_capacity(chunk);
    // The full length of each line, which is more than the bytes kept when the line is oversized.
    let mut lengths: Vec<usize> = Vec::with_capacity(chunk);
    let mut spare: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut line = spare.pop().unwrap_or_default();
        let length = read_line_capped(&mut input, &mut line, max_line)?;
        let more = length.is_some();
        if let Some(n) = length {
            lines.push(line);
            lengths.push(n);
        }
        if lines.len() == chunk || (!more && !lines.is_empty()) {
            let messages: Vec<Message> = lines
                .iter()
                .map(|l| Message {
                    body: l,
                    content_type: None,
                })
                .collect();
            let replies = protocol::respond(|b| model.predict(b), schema, &messages);
            for ((reply, message), &size) in replies.iter().zip(&messages).zip(&lengths) {
                if size > max_line {
                    // Only `max_line + 1` bytes were kept: report the line's real size.
                    let error = RequestError::BodyTooLarge {
                        size,
                        limit: max_line,
                    };
                    output.write_all(&protocol::error_reply(message, error).body)?;
                } else {
                    output.write_all(&reply.body)?;
                }
                output.write_all(b"\n")?;
            }
            spare.append(&mut lines);
            lengths.clear();
        }
        if !more {
            return Ok(());
        }
    }
}

/// Read one line without its terminator, keeping at most `cap + 1` bytes (the rest is skipped, so an
/// oversized line is still one line and gets a `body_too_large` reply). Returns the line's full length
/// (without its terminator), or None at end of input.
fn read_line_capped<R: BufRead>(
    input: &mut R,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<usize>> {
    line.clear();
    let mut read_any = false;
    let mut length = 0;
    let mut last = None;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        read_any = true;
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (buf.len(), false),
        };
        length += take;
        if take > 0 {
            last = Some(buf[take - 1]);
        }
        let room = (cap + 1).saturating_sub(line.len());
        line.extend_from_slice(&buf[..take.min(room)]);
        input.consume(if done { take + 1 } else { take });
        if done {
            break;
        }
    }
    if last == Some(b'\r') {
        length -= 1;
        line.truncate(length);
    }
    Ok(read_any.then_some(length))
}

#[cfg(test)]
mod tests {
    use super::read_line_capped;

    #[test]
    fn lines_are_split_capped_and_crlf_trimmed() {
        let mut input = std::io::Cursor::new(b"ab\r\ncdefgh\r\n\nlast".to_vec());
        let mut line = Vec::new();
        let mut got = Vec::new();
        while let Some(n) = read_line_capped(&mut input, &mut line, 3).expect("read") {
            got.push((String::from_utf8_lossy(&line).to_string(), n));
        }
        let got: Vec<(&str, usize)> = got.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        assert_eq!(got, [("ab", 2), ("cdef", 6), ("", 0), ("last", 4)]);
    }
}
