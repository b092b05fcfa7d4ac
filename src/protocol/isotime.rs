//! ISO 8601 timestamps as Celery writes them (`datetime.isoformat()`): reading a task's `expires`/`eta`
//! header into Unix seconds, and writing a result's `date_done` in UTC. No calendar crate needed.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch now (0 if the clock is before 1970).
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// The days of month `m` (1..=12) of year `y`, as Python's `datetime` checks them.
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn number(text: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| range.contains(n))
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z|±HH:MM]` to Unix seconds; a time without an offset is UTC
/// (Celery's `enable_utc`, the default). `None` for anything else.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    if !text.is_ascii() || text.len() < 16 {
        return None;
    }
    let (date, rest) = text.split_at(10);
    let mut parts = date.split('-');
    let y = number(parts.next()?, 1..=9999)?;
    let m = number(parts.next()?, 1..=12)?;
    let d = number(parts.next()?, 1..=days_in_month(y, m))?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (clock, ""),
    };
    let mut hms = hms.split(':');
    let h = number(hms.next()?, 0..=23)?;
    let mi = number(hms.next()?, 0..=59)?;
    let s = match hms.next() {
        Some(s) => number(s, 0..=60)?,
        None => 0,
    };
    if hms.next().is_some() {
        return None;
    }
    // Digits only, read to nanoseconds: f64 parsing of the raw text would also take an exponent
    // ("56.1e300" is 10^299 s) or an unbounded run of digits.
    let fraction = if fraction.is_empty() {
        0.0
    } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
        let digits = fraction.len().min(9);
        let units = number(&fraction[..digits], 0..=999_999_999)?;
        units as f64 / 10u32.pow(digits as u32) as f64
    } else {
        return None;
    };
    let offset_secs = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let body = &o[1..];
            let (oh, om) = body
                .split_once(':')
                .unwrap_or(body.split_at(body.len().min(2)));
            sign * (number(oh, 0..=23)? * 3600 + number(om, 0..=59)? * 60)
        }
    };
    let days = days_from_civil(y, m, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
    Some(secs as f64 + fraction)
}

/// Unix seconds as Python's `datetime.isoformat()` of an aware UTC datetime:
/// `2026-11-30T12:34:56.123456+00:00` (no fraction when it is zero microseconds).
pub fn format_utc(unix: f64) -> String {
    let micros_total = (unix * 1e6).round() as i64;
    let secs = micros_total.div_euclid(1_000_000);
    let micros = micros_total.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let day = secs.rem_euclid(86_400);
    let (h, mi, s) = (day / 3600, day % 3600 / 60, day % 60);
    if micros == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}+00:00")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_python_isoformat_writes() {
        // python3 -c "import datetime as d; print(d.datetime(2026,11,30,12,34,56,123456,d.timezone.utc).timestamp())"
        assert_eq!(
            parse("2026-11-30T12:34:56.123456+00:00"),
            Some(1_796_042_096.123456)
        );
        assert_eq!(parse("2026-11-30T12:34:56+00:00"), Some(1_796_042_096.0));
        assert_eq!(parse("2026-11-30T13:34:56+01:00"), Some(1_796_042_096.0));
        assert_eq!(parse("2026-11-30T10:04:56-02:30"), Some(1_796_042_096.0));
        assert_eq!(parse("2026-11-30T12:34:56Z"), Some(1_796_042_096.0));
        assert_eq!(parse("2026-11-30 12:34:56"), Some(1_796_042_096.0));
        assert_eq!(parse("1970-01-01T00:00:00+00:00"), Some(0.0));
        assert_eq!(parse("1970-01-01T00:00:00.5"), Some(0.5));
        assert_eq!(parse("2000-02-29T00:00:00"), Some(951_782_400.0));
        let long = parse("1970-01-01T00:00:01.1234567891234Z").expect("digits past nanoseconds");
        assert!((long - 1.123_456_789).abs() < 1e-12, "{long}");
    }

    #[test]
    fn refuses_anything_else_without_panicking() {
        for bad in [
            "",
            "soon",
            "2026-13-01T00:00:00",
            "2026-02-29T00:00:00",
            "1900-02-29T00:00:00",
            "2026-04-31T00:00:00",
            "2026-11-30",
            "2026-11-30T25:00:00",
            "2026-11-30T12:34:56+xx:00",
            "２０２６-11-30T12:34:56",
            "2026-11-30T12:34:56.+00:00",
            "2026-11-30T12:34:56.12a",
            "-026-11-30T12:34:56",
            "2026-11-30T12:34:56:01",
            "2026-11-30T12:34:56.100000000e300",
            "2026-11-30T12:34:56.1e9",
            "2026-11-30T12:34:56.5E3+00:00",
            "2026-11-30T12:34:56.inf",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn random_text_never_panics() {
        let alphabet = b"0123456789-:T+Z. z\xc3\xa9";
        let mut state: u64 = 7;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let len = (state >> 59) as usize + 12;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                text.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            if let Ok(text) = std::str::from_utf8(&text) {
                let _ = parse(text);
            }
            let _ = parse(&String::from_utf8_lossy(&text));
        }
        assert_eq!(
            parse("9999-12-31T23:59:59.999999999+23:59").map(|t| t > 0.0),
            Some(true)
        );
    }

    #[test]
    fn writes_like_python_isoformat() {
        assert_eq!(
            format_utc(1_796_042_096.123456),
            "2026-11-30T12:34:56.123456+00:00"
        );
        assert_eq!(format_utc(1_796_042_096.0), "2026-11-30T12:34:56+00:00");
        assert_eq!(format_utc(951_782_400.0), "2000-02-29T00:00:00+00:00");
        for t in [0.0, 1.5, 951_782_400.25, 1_796_042_096.5, 4_102_444_800.0] {
            assert_eq!(parse(&format_utc(t)), Some(t));
        }
    }
}
