//! Call costs: line items that add up exactly (D-MONEY).
//!
//! # Why integers
//!
//! The contract promises that `cost.totalCents` equals the sum of the line items' `amountCents`
//! exactly, that amounts are integer cents, and that a unit price may be fractional (a second
//! of transcription costs less than a cent). Float arithmetic cannot keep that promise: `0.07 ×
//! 185` is not `12.95` in binary floating point, and rounding it could go either way on the half.
//! So every price is held as an integer number of ten-thousandths of a cent, every quantity is a
//! whole number of units, and each line's amount is `round(quantity × price)` computed in
//! integers with halves rounded away from zero. The total is the integer sum of the amounts.
//! The `f64` fields (`quantity`, `unitPriceCents`) are derived from those integers for the wire
//! and are exact short decimals (`1.4`, `0.015`), never the result of float arithmetic.
//!
//! # Why seeded
//!
//! `GET /calls` shows only each call's total and `GET /calls/{id}` the full breakdown; both come
//! from [`call_cost`], which depends only on its arguments (the call's seed, duration,
//! direction, recording flag and voice), so the two views always agree and a list never has to
//! build a transcript. The usage a real platform would meter (characters synthesised, tokens
//! processed) is drawn from the seed in a realistic band per second of talk time.
//!
//! A call that never connected (`durationSec` 0: failed, queued, or still ringing) has no line
//! items and a total of 0: nothing was used, so nothing is billed, and an empty list is the
//! honest breakdown of zero.

use rand::RngExt as _;

use crate::fake::rng_for;

/// One line of a call's cost (the `CostLineItem` schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineItem {
    /// `telephony`, `speech_to_text`, `text_to_speech`, `llm` or `recording`.
    pub(crate) kind: &'static str,
    /// What was billed, for humans.
    pub(crate) description: String,
    /// Units used; always a whole number here.
    pub(crate) quantity: f64,
    /// `minute`, `second`, `character`, `token` or `call`.
    pub(crate) unit: &'static str,
    /// Price of one unit in cents; may be fractional.
    pub(crate) unit_price_cents: f64,
    /// `round(quantity × unit_price_cents)`, halves away from zero.
    pub(crate) amount_cents: i64,
}

/// The cost of a call (the `CallCost` schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallCost {
    /// ISO 4217 code; always `USD`.
    pub(crate) currency: &'static str,
    /// Exactly the sum of the line items' `amount_cents`.
    pub(crate) total_cents: i64,
    /// The breakdown; empty for a call with no talk time.
    pub(crate) line_items: Vec<LineItem>,
}

impl CallCost {
    /// The total as a call record keeps it (whole cents in a `u32`).
    pub(crate) fn stored_cents(&self) -> u32 {
        self.total_cents.clamp(0, i64::from(u32::MAX)) as u32
    }
}

/// The currency of every amount the mock bills.
pub(crate) const CURRENCY: &str = "USD";

/// Prices are integers in units of 1/10,000 of a cent.
const PRICE_SCALE: u64 = 10_000;

/// A price per unit, in ten-thousandths of a cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Price(u64);

impl Price {
    /// The price in cents, as an `f64`: the nearest double to the exact decimal, which
    /// serialises as that decimal (`14_000` → `1.4`).
    fn cents(self) -> f64 {
        self.0 as f64 / PRICE_SCALE as f64
    }

    /// `round(quantity × price)` in whole cents, halves away from zero, exact.
    fn amount(self, quantity: u64) -> i64 {
        let scaled = u128::from(quantity) * u128::from(self.0);
        let cents = (scaled + u128::from(PRICE_SCALE / 2)) / u128::from(PRICE_SCALE);
        i64::try_from(cents).unwrap_or(i64::MAX)
    }
}

/// Outbound telephony: 1.4 cents per started minute.
const TELEPHONY_OUTBOUND: Price = Price(14_000);
/// Inbound telephony: 0.85 cents per started minute.
const TELEPHONY_INBOUND: Price = Price(8_500);
/// Speech-to-text: 0.07 cents per second of talk time.
const SPEECH_TO_TEXT: Price = Price(700);
/// Text-to-speech: 0.015 cents per character.
const TEXT_TO_SPEECH: Price = Price(150);
/// Language model: 0.001 cents per token.
const LLM: Price = Price(10);
/// Recording and storage: 1 cent per call.
const RECORDING: Price = Price(10_000);

/// The cost of a call from its seed and what happened on it.
///
/// - `telephony`: minutes = ⌈duration / 60⌉ at 1.4 ¢ (outbound) or 0.85 ¢ (inbound).
/// - `speech_to_text`: one unit per second of talk time at 0.07 ¢.
/// - `text_to_speech`: 6 to 8 characters per second (drawn from the seed) at 0.015 ¢, with the
///   voice named in the description.
/// - `llm`: 40 to 60 tokens per second (drawn from the seed) at 0.001 ¢.
/// - `recording`: 1 ¢ when the call was recorded.
///
/// `duration_sec == 0` gives no line items and a total of 0.
pub(crate) fn call_cost(
    seed: u64,
    duration_sec: u32,
    outbound: bool,
    has_recording: bool,
    voice_id: &str,
) -> CallCost {
    if duration_sec == 0 {
        return CallCost {
            currency: CURRENCY,
            total_cents: 0,
            line_items: Vec::new(),
        };
    }
    let mut rng = rng_for(seed, "call-cost", 0);
    let secs = u64::from(duration_sec);
    let minutes = secs.div_ceil(60);
    let characters = secs * rng.random_range(600..=800u64) / 100;
    let tokens = secs * rng.random_range(4_000..=6_000u64) / 100;

    let (direction, telephony) = if outbound {
        ("Outbound", TELEPHONY_OUTBOUND)
    } else {
        ("Inbound", TELEPHONY_INBOUND)
    };
    let voice = voice_label(voice_id);
    let mut line_items = vec![
        line(
            "telephony",
            format!(
                "{direction} call, {} (billed per started minute)",
                count(minutes, "minute", "minutes")
            ),
            minutes,
            "minute",
            telephony,
        ),
        line(
            "speech_to_text",
            format!("Speech-to-text, {}", count(secs, "second", "seconds")),
            secs,
            "second",
            SPEECH_TO_TEXT,
        ),
        line(
            "text_to_speech",
            match voice {
                Some(v) => format!(
                    "Text-to-speech with voice '{v}', {}",
                    count(characters, "character", "characters")
                ),
                None => format!(
                    "Text-to-speech, {}",
                    count(characters, "character", "characters")
                ),
            },
            characters,
            "character",
            TEXT_TO_SPEECH,
        ),
        line(
            "llm",
            format!("Language model, {}", count(tokens, "token", "tokens")),
            tokens,
            "token",
            LLM,
        ),
    ];
    if has_recording {
        line_items.push(line(
            "recording",
            "Call recording and storage".to_owned(),
            1,
            "call",
            RECORDING,
        ));
    }
    let total_cents = line_items
        .iter()
        .fold(0i64, |sum, item| sum.saturating_add(item.amount_cents));
    CallCost {
        currency: CURRENCY,
        total_cents,
        line_items,
    }
}

/// Builds a line item; the amount is computed from the integer quantity and price.
fn line(
    kind: &'static str,
    description: String,
    quantity: u64,
    unit: &'static str,
    price: Price,
) -> LineItem {
    LineItem {
        kind,
        description,
        // Quantities stay far below 2^53, where every integer is an exact f64.
        quantity: quantity as f64,
        unit,
        unit_price_cents: price.cents(),
        amount_cents: price.amount(quantity),
    }
}

/// The voice id as shown in a description, or `None` when there is nothing presentable
/// (empty, or not the plain lowercase id the `Voice` schema allows).
fn voice_label(voice_id: &str) -> Option<&str> {
    let v = voice_id.trim();
    let ok = (1..=40).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some(v)
}

/// `"1 minute"`, `"1,284 characters"`: a count with thousands separators and the right noun.
fn count(n: u64, one: &str, many: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + many.len() + 1);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out.push(' ');
    out.push_str(if n == 1 { one } else { many });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parses a short decimal such as `"0.015"` into ten-thousandths, independently of [`Price`].
    fn decimal_e4(s: &str) -> Option<u64> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 4 {
            return None;
        }
        let int: u64 = int.parse().ok()?;
        let frac_padded = format!("{frac:0<4}");
        let frac: u64 = frac_padded.parse().ok()?;
        Some(int * 10_000 + frac)
    }

    #[test]
    fn zero_duration_bills_nothing() {
        for (outbound, rec) in [(true, true), (false, false)] {
            let c = call_cost(1, 0, outbound, rec, "aria");
            assert_eq!(c.total_cents, 0);
            assert!(c.line_items.is_empty());
            assert_eq!(c.currency, "USD");
        }
    }

    #[test]
    fn a_typical_call_is_pinned() {
        // Golden: the seeded history's totals depend on this. Update only for an intended change.
        let c = call_cost(42, 185, true, true, "aria");
        let lines: Vec<(&str, f64, &str, f64, i64)> = c
            .line_items
            .iter()
            .map(|l| {
                (
                    l.kind,
                    l.quantity,
                    l.unit,
                    l.unit_price_cents,
                    l.amount_cents,
                )
            })
            .collect();
        assert_eq!(lines[0], ("telephony", 4.0, "minute", 1.4, 6));
        assert_eq!(lines[1], ("speech_to_text", 185.0, "second", 0.07, 13));
        assert_eq!(lines[2].0, "text_to_speech");
        assert_eq!(lines[3].0, "llm");
        assert_eq!(lines[4], ("recording", 1.0, "call", 1.0, 1));
        assert_eq!(
            c.line_items[0].description,
            "Outbound call, 4 minutes (billed per started minute)"
        );
        assert_eq!(c.line_items[1].description, "Speech-to-text, 185 seconds");
        assert!(
            c.line_items[2]
                .description
                .starts_with("Text-to-speech with voice 'aria', 1,")
        );
        assert_eq!(format!("{:?}", c), GOLDEN_42_185);
    }

    const GOLDEN_42_185: &str = r#"CallCost { currency: "USD", total_cents: 47, line_items: [LineItem { kind: "telephony", description: "Outbound call, 4 minutes (billed per started minute)", quantity: 4.0, unit: "minute", unit_price_cents: 1.4, amount_cents: 6 }, LineItem { kind: "speech_to_text", description: "Speech-to-text, 185 seconds", quantity: 185.0, unit: "second", unit_price_cents: 0.07, amount_cents: 13 }, LineItem { kind: "text_to_speech", description: "Text-to-speech with voice 'aria', 1,172 characters", quantity: 1172.0, unit: "character", unit_price_cents: 0.015, amount_cents: 18 }, LineItem { kind: "llm", description: "Language model, 8,926 tokens", quantity: 8926.0, unit: "token", unit_price_cents: 0.001, amount_cents: 9 }, LineItem { kind: "recording", description: "Call recording and storage", quantity: 1.0, unit: "call", unit_price_cents: 1.0, amount_cents: 1 }] }"#;

    #[test]
    fn rounding_is_half_away_from_zero_and_exact() {
        // 0.07 × 185 = 12.95 → 13 (a float product would be 12.950000000000001 or 12.949999…).
        assert_eq!(SPEECH_TO_TEXT.amount(185), 13);
        assert_eq!(SPEECH_TO_TEXT.amount(50), 4); // 3.5 → 4
        assert_eq!(SPEECH_TO_TEXT.amount(7), 0); // 0.49 → 0
        assert_eq!(TELEPHONY_INBOUND.amount(1), 1); // 0.85 → 1
        assert_eq!(TELEPHONY_INBOUND.amount(10), 9); // 8.5 → 9
        assert_eq!(TEXT_TO_SPEECH.amount(100), 2); // 1.5 → 2
        assert_eq!(LLM.amount(499), 0);
        assert_eq!(LLM.amount(500), 1);
        assert_eq!(RECORDING.amount(1), 1);
    }

    #[test]
    fn unit_prices_serialise_as_short_decimals() {
        let cases = [
            (TELEPHONY_OUTBOUND, "1.4"),
            (TELEPHONY_INBOUND, "0.85"),
            (SPEECH_TO_TEXT, "0.07"),
            (TEXT_TO_SPEECH, "0.015"),
            (LLM, "0.001"),
            (RECORDING, "1.0"),
        ];
        for (price, text) in cases {
            assert_eq!(
                serde_json::to_string(&price.cents()).unwrap_or_default(),
                text
            );
        }
    }

    #[test]
    fn telephony_bills_started_minutes_by_direction() {
        let minutes = |d| call_cost(1, d, true, false, "aria").line_items[0].quantity;
        assert_eq!(minutes(1), 1.0);
        assert_eq!(minutes(60), 1.0);
        assert_eq!(minutes(61), 2.0);
        let inbound = call_cost(1, 61, false, false, "aria");
        assert_eq!(inbound.line_items[0].unit_price_cents, 0.85);
        assert_eq!(
            inbound.line_items[0].description,
            "Inbound call, 2 minutes (billed per started minute)"
        );
        assert_eq!(
            call_cost(1, 60, true, false, "").line_items[0].description,
            "Outbound call, 1 minute (billed per started minute)"
        );
    }

    #[test]
    fn recording_line_only_when_recorded() {
        assert!(
            call_cost(5, 30, true, false, "aria")
                .line_items
                .iter()
                .all(|l| l.kind != "recording")
        );
        assert_eq!(
            call_cost(5, 30, true, true, "aria")
                .line_items
                .iter()
                .filter(|l| l.kind == "recording")
                .count(),
            1
        );
    }

    #[test]
    fn odd_voice_ids_are_left_out_of_descriptions() {
        let d = |v| {
            call_cost(5, 30, true, false, v).line_items[2]
                .description
                .clone()
        };
        assert!(d("nova").contains("'nova'"));
        assert!(d("").starts_with("Text-to-speech, "));
        assert!(d("Évil'\n").starts_with("Text-to-speech, "));
    }

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(0, "x", "xs"), "0 xs");
        assert_eq!(count(1, "x", "xs"), "1 x");
        assert_eq!(count(999, "x", "xs"), "999 xs");
        assert_eq!(count(1_000, "x", "xs"), "1,000 xs");
        assert_eq!(count(1_234_567, "x", "xs"), "1,234,567 xs");
    }

    #[test]
    fn extreme_durations_do_not_overflow() {
        let c = call_cost(u64::MAX, u32::MAX, true, true, "aria");
        assert_eq!(
            c.total_cents,
            c.line_items.iter().map(|l| l.amount_cents).sum::<i64>()
        );
        assert!(c.total_cents > 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn total_is_the_exact_sum_of_line_items(
            seed in any::<u64>(),
            duration in prop_oneof![0u32..4_000, any::<u32>()],
            outbound in any::<bool>(),
            recorded in any::<bool>(),
        ) {
            let c = call_cost(seed, duration, outbound, recorded, "orion");
            prop_assert_eq!(c.total_cents, c.line_items.iter().map(|l| l.amount_cents).sum::<i64>());
            prop_assert_eq!(c.currency, "USD");
            prop_assert_eq!(c.line_items.is_empty(), duration == 0);
            for l in &c.line_items {
                prop_assert!(l.quantity >= 0.0 && l.quantity.fract() == 0.0);
                prop_assert!(l.amount_cents >= 0);
                prop_assert!(!l.description.is_empty());
                // Recompute from the serialised decimal price, independently of `Price`.
                let text = serde_json::to_string(&l.unit_price_cents).unwrap_or_default();
                let e4 = decimal_e4(&text);
                prop_assert!(e4.is_some(), "{}", text);
                let exact = (l.quantity as u128 * u128::from(e4.unwrap_or(0)) + 5_000) / 10_000;
                prop_assert_eq!(l.amount_cents as u128, exact);
                let (kind, unit) = (l.kind, l.unit);
                prop_assert!(matches!(
                    (kind, unit),
                    ("telephony", "minute") | ("speech_to_text", "second") | ("text_to_speech", "character")
                        | ("llm", "token") | ("recording", "call")
                ));
            }
            if duration > 0 {
                let secs = f64::from(duration);
                let chars = c.line_items[2].quantity;
                let tokens = c.line_items[3].quantity;
                prop_assert!(chars >= (secs * 6.0).floor() && chars <= secs * 8.0);
                prop_assert!(tokens >= (secs * 40.0).floor() && tokens <= secs * 60.0);
            }
        }

        #[test]
        fn same_inputs_same_cost(seed in any::<u64>(), duration in 0u32..100_000) {
            prop_assert_eq!(call_cost(seed, duration, true, true, "aria"), call_cost(seed, duration, true, true, "aria"));
        }
    }
}
