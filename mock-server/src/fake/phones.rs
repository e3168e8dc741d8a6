//! Phone numbers: plausible E.164 numbers in a country and area code, and the E.164 check.

use rand::RngExt as _;

use super::Rng;
use super::area_codes::{AREA_CODES, calling_code};

/// Appends `n` random decimal digits to `out`.
fn push_digits(out: &mut String, rng: &mut Rng, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
}

/// Whether `npa` is a plausible North American area code: three digits, not starting 0 or 1.
fn is_nanp_area_code(npa: &str) -> bool {
    npa.len() == 3
        && npa.bytes().all(|b| b.is_ascii_digit())
        && !npa.starts_with('0')
        && !npa.starts_with('1')
}

/// A random phone number in `country` and `area_code`, in E.164 form (`^\+[1-9][0-9]{1,14}$`).
///
/// - US and CA (the North American plan): `+1`, the three-digit area code, an exchange that
///   does not start with 0 or 1 and is not an `N11` service code, and four line digits.
/// - GB: `+44`, the area code without its trunk `0`, and a local number (first digit 2 to 8)
///   that makes the national number ten digits.
/// - A few other countries get their calling code, the area code's digits and enough digits
///   for a nine- or ten-digit national number.
///
/// Bad input never panics and never yields an invalid number: an area code that is not valid
/// for the plan is replaced by the country's first entry in [`AREA_CODES`] (or 415), and an
/// unknown country falls back to the North American plan.
pub(crate) fn phone_in(rng: &mut Rng, country: &str, area_code: &str) -> String {
    let country = country.trim();
    let area_code = area_code.trim();
    let default_area = |c: &str| {
        AREA_CODES
            .iter()
            .find(|a| a.country.eq_ignore_ascii_case(c))
            .map_or("415", |a| a.area_code)
    };
    match calling_code(country) {
        Some("44") => {
            let area = area_code.trim_start_matches('0');
            let area = if (1..=5).contains(&area.len()) && area.bytes().all(|b| b.is_ascii_digit())
            {
                area
            } else {
                default_area("GB")
            };
            let mut out = String::with_capacity(16);
            out.push_str("+44");
            out.push_str(area);
            out.push(char::from(b'0' + rng.random_range(2..9u8)));
            push_digits(&mut out, rng, 9usize.saturating_sub(area.len()));
            out
        }
        Some(cc) if cc != "1" => {
            let digits: String = area_code
                .trim_start_matches('0')
                .chars()
                .filter(char::is_ascii_digit)
                .take(5)
                .collect();
            let mut out = String::with_capacity(16);
            out.push('+');
            out.push_str(cc);
            out.push_str(&digits);
            // The first digit of the subscriber number is never 0, so an empty area code still
            // gives a national number without a leading zero.
            out.push(char::from(b'0' + rng.random_range(2..10u8)));
            let national: usize = if cc.len() >= 3 { 9 } else { 10 };
            push_digits(&mut out, rng, national.saturating_sub(digits.len() + 1));
            out
        }
        _ => {
            let npa = if is_nanp_area_code(area_code) {
                area_code
            } else if calling_code(country).is_some() {
                default_area(country)
            } else {
                default_area("US")
            };
            let mut nxx = rng.random_range(200..1000u32);
            if nxx % 100 == 11 {
                // N11 codes (211, 311, … 911) are service numbers, never exchanges.
                nxx += 1;
            }
            let line = rng.random_range(0..10_000u32);
            format!("+1{npa}{nxx:03}{line:04}")
        }
    }
}

/// Whether `s` is an E.164 number: `+`, a digit 1 to 9, then 1 to 14 more digits.
pub(crate) fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}
