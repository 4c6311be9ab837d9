//! Byte sizes as profiles write them: `1048576`, `"10 MiB"`, `"512 kB"`, `"1.5 GiB"`.
//!
//! Used by the validator for `content_length` and by profile tests for `size`.

/// Units understood after the number, case-insensitively, with their size in bytes.
const UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

/// Reads a size such as `"10 MiB"`, `"10MiB"`, `"2.5 kB"` or `"100"` into bytes.
///
/// # Errors
///
/// A message naming what is wrong: no number, an unknown unit, a fraction of a byte, or a
/// size beyond `u64`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = number.replace('_', "");
    let unit = unit.trim();

    if number.is_empty() {
        return Err(format!(
            "`{text}` is not a size; write bytes or a size such as `10 MiB`"
        ));
    }
    let multiplier = if unit.is_empty() {
        1
    } else {
        UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(unit))
            .map(|(_, bytes)| *bytes)
            .ok_or_else(|| {
                format!("unknown unit `{unit}`; use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB")
            })?
    };

    let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(format!("`{text}` is not a number followed by a unit"));
    }
    let too_big = || format!("`{text}` is too large");
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_big())?
    };
    let mut bytes = whole.checked_mul(multiplier).ok_or_else(too_big)?;

    if !fraction.is_empty() {
        let digits = u32::try_from(fraction.len()).map_err(|_| too_big())?;
        let scale = 10u128.checked_pow(digits).ok_or_else(too_big)?;
        let numerator: u128 = fraction.parse().map_err(|_| too_big())?;
        let scaled = numerator * u128::from(multiplier);
        if !scaled.is_multiple_of(scale) {
            return Err(format!("`{text}` is not a whole number of bytes"));
        }
        let extra = u64::try_from(scaled / scale).map_err(|_| too_big())?;
        bytes = bytes.checked_add(extra).ok_or_else(too_big)?;
    }
    Ok(bytes)
}

/// Writes `bytes` in the largest binary unit that divides it exactly, e.g. `10 MiB`.
pub fn format_size(bytes: u64) -> String {
    for (name, unit) in [
        ("TiB", 1u64 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_unit_sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("10 MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("10mib"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("2.5 kB"), Ok(2_500));
        assert_eq!(parse_size("1.5 KiB"), Ok(1_536));
        assert_eq!(parse_size("1_000 B"), Ok(1_000));
    }

    #[test]
    fn refuses_what_is_not_a_size() {
        assert!(parse_size("").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(
            parse_size("10 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_size("1.3 B").unwrap_err().contains("whole number"));
        assert!(
            parse_size("99999999999 TiB")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_size("1.2.3 MB").is_err());
        assert!(parse_size("-5").is_err());
    }

    #[test]
    fn formats_in_the_largest_exact_unit() {
        assert_eq!(format_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(format_size(1_500), "1500 bytes");
        assert_eq!(format_size(1), "1 byte");
        assert_eq!(format_size(0), "0 bytes");
    }
}
