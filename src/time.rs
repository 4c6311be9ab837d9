//! Instants in UTC, as the policy, the credential scope and the command line write them.
//!
//! Everything the pipeline says about time is whole seconds since the Unix epoch in UTC. This
//! module turns them into the three spellings S3 wants (`2026-12-03T18:15:00Z` for the policy
//! expiration, `20261203T181500Z` for `x-amz-date`, `20261203` for the credential scope) and
//! reads RFC 3339 back, through `humantime`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A UTC instant with one-second resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    pub fn from_unix(seconds: u64) -> Timestamp {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> u64 {
        self.0
    }

    /// The system clock, truncated to the second.
    pub fn now() -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since_epoch.as_secs())
    }

    /// Reads an RFC 3339 time in UTC (`2026-12-03T18:15:00Z`, fractions allowed).
    ///
    /// # Errors
    ///
    /// A message that says what is wrong; times with an offset other than `Z` are refused,
    /// because S3 refuses them in a policy.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
        let text = text.trim();
        if !text.ends_with(['Z', 'z']) {
            return Err(format!(
                "`{text}` is not in UTC; write it in UTC, ending in `Z`, as in \
                 `2030-01-01T00:00:00Z`"
            ));
        }

        let time = humantime::parse_rfc3339(text).map_err(|error| {
            format!("`{text}` is not an RFC 3339 time such as `2030-01-01T00:00:00Z` ({error})")
        })?;
        let since_epoch = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| format!("`{text}` is before 1970"))?;

        Ok(Timestamp(since_epoch.as_secs()))
    }

    /// This instant plus `duration`, or `None` past the year 9999.
    pub fn checked_add(self, duration: Duration) -> Option<Timestamp> {
        let seconds = self.0.checked_add(duration.as_secs())?;
        (seconds <= MAX_UNIX_SECONDS).then_some(Timestamp(seconds))
    }

    /// Seconds from `earlier` to this instant, zero if `earlier` is later.
    pub fn seconds_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// `2026-12-03T18:15:00Z`: the policy's `expiration` and the bundle's `expires_at`.
    pub fn rfc3339(self) -> String {
        let [year, month, day, hour, minute, second] = self.civil();
        let mut text = String::with_capacity(20);
        push_digits(&mut text, year, 4);
        for (separator, value) in [
            ('-', month),
            ('-', day),
            ('T', hour),
            (':', minute),
            (':', second),
        ] {
            text.push(separator);
            push_digits(&mut text, value, 2);
        }
        text.push('Z');
        text
    }

    /// `20261203T181500Z`: ISO 8601 basic format, the value of `x-amz-date`.
    pub fn amz_date(self) -> String {
        let [year, month, day, hour, minute, second] = self.civil();
        let mut text = String::with_capacity(16);
        push_digits(&mut text, year, 4);
        for value in [month, day] {
            push_digits(&mut text, value, 2);
        }
        text.push('T');
        for value in [hour, minute, second] {
            push_digits(&mut text, value, 2);
        }
        text.push('Z');
        text
    }

    /// `20261203`: the day of the SigV4 credential scope.
    pub fn scope_date(self) -> String {
        let [year, month, day, ..] = self.civil();
        let mut text = String::with_capacity(8);
        push_digits(&mut text, year, 4);
        push_digits(&mut text, month, 2);
        push_digits(&mut text, day, 2);
        text
    }

    /// Year, month, day, hour, minute and second in the proleptic Gregorian calendar, by
    /// Howard Hinnant's `civil_from_days`.
    fn civil(self) -> [u64; 6] {
        let seconds = self.0.min(MAX_UNIX_SECONDS);
        let (days, time_of_day) = (seconds / 86_400, seconds % 86_400);

        let shifted = days + 719_468;
        let era = shifted / 146_097;
        let day_of_era = shifted % 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + u64::from(month <= 2);

        let (hour, minute, second) = (time_of_day / 3600, time_of_day / 60 % 60, time_of_day % 60);
        [year, month, day, hour, minute, second]
    }
}

/// Appends `value` in `width` decimal digits, with leading zeros.
fn push_digits(text: &mut String, value: u64, width: u32) {
    let mut divisor = 10u64.pow(width - 1);
    while divisor > 0 {
        text.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

/// 9999-12-31T23:59:59Z, the last instant RFC 3339 can write with four year digits.
const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_the_three_forms() {
        let time = Timestamp::from_unix(1_451_347_200);

        assert_eq!(time.rfc3339(), "2015-12-29T00:00:00Z");
        assert_eq!(time.amz_date(), "20151229T000000Z");
        assert_eq!(time.scope_date(), "20151229");
    }

    #[test]
    fn parses_utc_with_and_without_fractions() {
        assert_eq!(
            Timestamp::parse_rfc3339("2015-12-29T00:00:00Z")
                .unwrap()
                .unix(),
            1_451_347_200
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2015-12-30T12:00:00.000Z")
                .unwrap()
                .unix(),
            1_451_347_200 + 36 * 3600
        );
    }

    #[test]
    fn refuses_offsets_and_spaces() {
        assert!(
            Timestamp::parse_rfc3339("2011-09-13T07:52:58+02:00")
                .unwrap_err()
                .contains("UTC")
        );
        assert!(Timestamp::parse_rfc3339("2015-10-17 03:15:59 UTC").is_err());
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn formats_as_humantime_does_across_the_calendar() {
        let mut seconds = 0u64;
        while seconds <= MAX_UNIX_SECONDS {
            let time = Timestamp::from_unix(seconds);
            let expected =
                humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(seconds));
            assert_eq!(time.rfc3339(), expected.to_string(), "{seconds}");
            assert_eq!(
                time.amz_date(),
                expected.to_string().replace(['-', ':'], ""),
                "{seconds}"
            );
            seconds += 86_399 * 41 + 3_607;
        }
        for leap_day in [
            "2000-02-29T23:59:59Z",
            "2024-02-29T00:00:00Z",
            "2100-03-01T00:00:00Z",
        ] {
            let time = Timestamp::parse_rfc3339(leap_day).unwrap();
            assert_eq!(time.rfc3339(), leap_day);
        }
        assert_eq!(
            Timestamp::from_unix(MAX_UNIX_SECONDS).rfc3339(),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn addition_stops_at_year_9999() {
        let time = Timestamp::from_unix(MAX_UNIX_SECONDS - 1);

        assert!(time.checked_add(Duration::from_secs(1)).is_some());
        assert!(time.checked_add(Duration::from_secs(2)).is_none());
    }
}
