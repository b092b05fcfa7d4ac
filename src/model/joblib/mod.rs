//! joblib's container: compressed files (detected by magic bytes) and NumpyArrayWrapper arrays
//! stored inline in the stream right after the pickle opcodes that describe them (`wrapper.rs`).

pub mod wrapper;

use std::borrow::Cow;
use std::io::{self, Read, Write};

use super::error::LoadError;
use super::pickle::opcodes;

/// The compression a model file used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Zlib,
    Gzip,
    Bz2,
    Lzma,
    Xz,
    Lz4,
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Compression::Zlib => "zlib",
            Compression::Gzip => "gzip",
            Compression::Bz2 => "bz2",
            Compression::Lzma => "lzma",
            Compression::Xz => "xz",
            Compression::Lz4 => "lz4",
        };
        f.write_str(name)
    }
}

impl Compression {
    /// Recognise a compressed stream by its first bytes (the way joblib itself does).
    pub fn detect(data: &[u8]) -> Option<Compression> {
        if data.starts_with(&[0x78])
            && data.len() >= 2
            && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
        {
            Some(Compression::Zlib)
        } else if data.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if data.starts_with(b"BZh") {
            Some(Compression::Bz2)
        } else if data.starts_with(&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) {
            Some(Compression::Xz)
        } else if data.starts_with(&[0x5d, 0x00]) {
            Some(Compression::Lzma)
        } else if data.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
            Some(Compression::Lz4)
        } else {
            None
        }
    }
}

/// A short description of data that is not a pickle, for the error message.
fn describe_non_pickle(data: &[u8]) -> String {
    let head = &data[..data.len().min(8)];
    let trimmed = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &data[i..]);
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        "it looks like JSON text".into()
    } else if data.starts_with(b"ZF") {
        "it is joblib's pre-0.10 ZF format".into()
    } else if data.starts_with(b"PK\x03\x04") {
        "it is a zip archive".into()
    } else if data.starts_with(b"\x93NUMPY") {
        "it is a numpy .npy file, not a pickled model".into()
    } else if data.starts_with(b"\x89HDF") {
        "it is an HDF5 file".into()
    } else if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        format!(
            "it starts with the text {:?}",
            String::from_utf8_lossy(head)
        )
    } else {
        format!("it starts with the bytes {}", hex::encode(head))
    }
}

/// Does a (decompressed) stream start like a pickle?
fn looks_like_pickle(data: &[u8]) -> bool {
    data.first().is_some_and(|&b| opcodes::can_start_stream(b))
}

fn cap_error(codec: Compression, max_bytes: usize) -> LoadError {
    LoadError::limit(
        0,
        format!(
            "the {codec} stream decompresses to more than {max_bytes} bytes \
             (PREDICT_WORKER__MODEL__MAX_DECOMPRESSED_BYTES); this looks like a decompression bomb"
        ),
    )
}

fn not_pickle_inside(codec: Compression, data: &[u8]) -> LoadError {
    LoadError::Compression(format!(
        "the {codec} stream does not hold a pickle ({}); save the model with joblib.dump or pickle.dump",
        describe_non_pickle(data)
    ))
}

/// Read a decoder to the end, never past `max_bytes`, refusing early when the output does not start
/// like a pickle (so a bomb of zeros stops after its first bytes).
fn read_capped(
    mut decoder: impl Read,
    codec: Compression,
    max_bytes: usize,
    hint: usize,
) -> Result<Vec<u8>, LoadError> {
    let corrupt = |e: io::Error| {
        LoadError::Compression(format!("the {codec} data is corrupt or truncated: {e}"))
    };
    let mut out = Vec::with_capacity(hint.min(max_bytes).min(64 << 20));
    let mut first = [0u8; 1];
    let n = loop {
        match decoder.read(&mut first) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(corrupt(e)),
        }
    };
    if n == 0 {
        return Err(LoadError::Compression(format!(
            "the {codec} stream is empty"
        )));
    }
    if !looks_like_pickle(&first) {
        return Err(not_pickle_inside(codec, &first));
    }
    out.push(first[0]);
    // One byte is in; reading up to `max_bytes` more shows whether the stream exceeds the cap.
    decoder
        .take(max_bytes as u64)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    if out.len() > max_bytes {
        return Err(cap_error(codec, max_bytes));
    }
    Ok(out)
}

/// A writer for lzma-rs that stops at the cap and checks that the output starts like a pickle.
struct CappedWriter {
    out: Vec<u8>,
    max: usize,
    exceeded: bool,
    not_pickle: bool,
}

impl Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.out.is_empty() && !buf.is_empty() && !looks_like_pickle(buf) {
            self.not_pickle = true;
            self.out.extend_from_slice(&buf[..buf.len().min(8)]);
            return Err(io::Error::other("not a pickle"));
        }
        if self.out.len() + buf.len() > self.max {
            self.exceeded = true;
            return Err(io::Error::other("decompressed size limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lzma_family(data: &[u8], codec: Compression, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
    let mut w = CappedWriter {
        out: Vec::with_capacity(data.len().saturating_mul(4).min(max_bytes).min(64 << 20)),
        max: max_bytes,
        exceeded: false,
        not_pickle: false,
    };
    let mut input = io::BufReader::new(data);
    // lzma-rs 0.3 can panic on corrupt input (an unchecked `backward_size + 1` in its xz index check
    // overflows in debug builds); a hostile file must give an error, never take the process down.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match codec {
        Compression::Xz => lzma_rs::xz_decompress(&mut input, &mut w),
        _ => {
            let options = lzma_rs::decompress::Options {
                memlimit: Some(max_bytes),
                ..Default::default()
            };
            lzma_rs::lzma_decompress_with_options(&mut input, &mut w, &options)
        }
    }));
    let Ok(result) = decoded else {
        return Err(LoadError::Compression(format!(
            "the {codec} data is corrupt: the decoder gave up on it"
        )));
    };
    if w.exceeded {
        return Err(cap_error(codec, max_bytes));
    }
    if w.not_pickle {
        return Err(not_pickle_inside(codec, &w.out));
    }
    if let Err(e) = result {
        let message = e.to_string();
        // lzma-rs bounds its dictionary by `memlimit`; the dictionary never outgrows the output.
        if message.contains("memory limit") {
            return Err(cap_error(codec, max_bytes));
        }
        return Err(LoadError::Compression(format!(
            "the {codec} data is corrupt or truncated: {message}"
        )));
    }
    if w.out.is_empty() {
        return Err(LoadError::Compression(format!(
            "the {codec} stream is empty"
        )));
    }
    Ok(w.out)
}

/// Detect compression by magic bytes and decompress, never producing more than `max_bytes`.
/// Uncompressed input is returned borrowed.
pub fn decompress(
    data: &[u8],
    max_bytes: usize,
) -> Result<(Cow<'_, [u8]>, Option<Compression>), LoadError> {
    if data.is_empty() {
        return Err(LoadError::Empty);
    }
    if data.starts_with(b"ZF") {
        return Err(LoadError::Compression(
            "this file uses joblib's pre-0.10 compressed format (ZF); load it with that joblib and re-save it with a newer joblib.dump".into(),
        ));
    }
    let Some(codec) = Compression::detect(data) else {
        if !looks_like_pickle(data) {
            return Err(LoadError::NotPickle {
                found: describe_non_pickle(data),
            });
        }
        return Ok((Cow::Borrowed(data), None));
    };
    let hint = data.len().saturating_mul(4);
    let out = match codec {
        Compression::Zlib => {
            read_capped(flate2::read::ZlibDecoder::new(data), codec, max_bytes, hint)?
        }
        Compression::Gzip => read_capped(
            flate2::read::MultiGzDecoder::new(data),
            codec,
            max_bytes,
            hint,
        )?,
        Compression::Bz2 => read_capped(
            bzip2::read::MultiBzDecoder::new(data),
            codec,
            max_bytes,
            hint,
        )?,
        Compression::Lz4 => read_capped(
            lz4_flex::frame::FrameDecoder::new(data),
            codec,
            max_bytes,
            hint,
        )?,
        Compression::Xz | Compression::Lzma => lzma_family(data, codec, max_bytes)?,
    };
    Ok((Cow::Owned(out), Some(codec)))
}
