//! Call transcripts, derived on demand from a per-call seed.
//!
//! # Why derived, not stored
//!
//! A seeded workspace holds thousands of calls, and most are never opened. Storing a transcript
//! per call would dominate the mock's memory, so a call record keeps only its seed and the few
//! facts a conversation depends on (who spoke, for how long, which way the call went), and
//! [`transcript`] rebuilds the turns on every `GET /calls/{id}`. That only works if the function
//! is pure and cheap: the same seed and context always give the same turns, byte for byte, on
//! every machine, and a three-minute call takes a few microseconds. There is no clock, no
//! global RNG and no hash-map iteration here; all randomness comes from a ChaCha8 RNG derived
//! from the seed with [`rng_for`].
//!
//! # How a conversation is built
//!
//! The agent's `firstMessage` always opens the call at 0.0 s, verbatim (a default greeting
//! stands in when it is blank); when it is longer than the whole call, its turn simply ends
//! with the call, as if the contact had hung up mid-sentence. The agent's mission selects a
//! theme (sales, appointment setting, support, renewals, payment reminders or a survey), and
//! each theme has template lines for the phases of a real call: the contact's reply and the
//! reason for the call, question-and-answer topics, an objection and how the agent handles it,
//! a concrete next step (a booking, a ticket, a payment date), and goodbyes. The contact's
//! first name, the agent's first name and the company are woven into the templates. Speakers
//! alternate strictly, which is what a two-party phone call mostly looks like.
//!
//! Timing is planned before layout, in integer tenths of a second so that every value is an
//! exact one-decimal number (3.6, never 3.6000000000000001): a turn speaks at roughly 15
//! characters per second (±10 %), never less than 0.6 s, and turns are separated by 0.3 to
//! 0.8 s of silence. The opening and the closing phases are planned first; question-and-answer
//! topics then fill the time in between, cycling through the theme's topics for long calls, so
//! memory grows with the number of turns and nothing else. Calls too short for the full script
//! end early: with a request to send details by e-mail, with a polite brush-off, or (under
//! ten seconds) with at most one line from the contact. Whatever time is left is spread over
//! the gaps (at most 1.2 s more per gap) and the rest is trailing silence, so the last turn
//! always ends within `duration_sec`.
//!
//! The output also drives audio generation (a tone per speaker during each turn), which is why
//! the timing invariants are exact: turns never overlap, every turn has `end > start`, there is
//! silence between consecutive turns, and nothing runs past the call's duration.

use std::fmt::Write as _;

use rand::RngExt as _;

use super::transcript_scripts::*;
use crate::fake::{Rng, clip, first_name, pick, rng_for};

/// Who is speaking in a [`Turn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaker {
    /// The AI agent.
    Agent,
    /// The person on the other end.
    Contact,
}

impl Speaker {
    /// The wire value of `TranscriptTurn.speaker`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Contact => "contact",
        }
    }
}

/// One turn of a transcript (the `TranscriptTurn` schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Turn {
    /// Who speaks.
    pub(crate) speaker: Speaker,
    /// What is said; never empty.
    pub(crate) text: String,
    /// Start, in seconds from the connection, a multiple of 0.1.
    pub(crate) start_sec: f64,
    /// End, in seconds from the connection, a multiple of 0.1, greater than `start_sec`.
    pub(crate) end_sec: f64,
}

/// The facts a call's conversation is built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TranscriptContext<'a> {
    /// The agent's first name (`"Ava"` for `"Ava — Inbound Sales"`).
    pub(crate) agent_first_name: &'a str,
    /// The agent's `firstMessage`, which opens the call verbatim.
    pub(crate) first_message: &'a str,
    /// The workspace's company, which the agent speaks for.
    pub(crate) company: &'a str,
    /// The contact's full name, or `None` for an unknown caller.
    pub(crate) contact_name: Option<&'a str>,
    /// The agent's mission; selects the conversation's theme.
    pub(crate) mission: &'a str,
    /// Whether the agent placed the call.
    pub(crate) outbound: bool,
    /// Connected talk time in whole seconds; every turn ends within it.
    pub(crate) duration_sec: u32,
}

/// Calls shorter than this (in tenths) get at most two turns.
const SHORT_CALL_TENTHS: u64 = 100;
/// The shortest a turn ever lasts, in tenths.
const MIN_SPEECH_TENTHS: u64 = 6;
/// The shortest a turn cut by the end of the call may last, in tenths.
const MIN_CUT_TENTHS: u64 = 3;
/// The most silence added to one gap when spreading the time left over, in tenths.
const MAX_EXTRA_GAP_TENTHS: u64 = 12;

/// Builds the transcript of a call from its seed (see the module documentation).
///
/// `duration_sec == 0` gives no turns; under ten seconds there are one or two; otherwise the
/// conversation grows with the duration, up to hundreds of turns for an hour-long call.
pub(crate) fn transcript(seed: u64, ctx: &TranscriptContext) -> Vec<Turn> {
    let total = u64::from(ctx.duration_sec) * 10;
    if total == 0 {
        return Vec::new();
    }
    let mut rng = rng_for(seed, "transcript", 0);
    let vars = Vars::new(ctx, &mut rng);
    let mut plan = Plan::with_capacity(estimated_turns(total));

    let opening = if ctx.first_message.trim().is_empty() {
        vars.render(DEFAULT_OPENING)
    } else {
        ctx.first_message.to_owned()
    };
    plan.push(Speaker::Agent, opening, 0, &mut rng);

    if total < SHORT_CALL_TENTHS {
        plan.push_line(
            Speaker::Contact,
            pick(&mut rng, HANG_UPS, "Sorry, wrong number."),
            &vars,
            &mut rng,
        );
        return plan.layout(total, None);
    }

    let script = theme_of(ctx.mission).script();
    let used = plan.cost().min(total);
    // Render every candidate phase up front, in a fixed order, so the RNG stream (and hence the
    // text) does not depend on which candidates end up fitting.
    let reason = reason_phase(script, ctx.outbound, &vars, &mut rng);
    let ending = ending_phase(script, &vars, &mut rng);
    let wrap = two_liner(WRAP_CONTACT, WRAP_AGENT, &vars, &mut rng);
    let brush = if ctx.outbound {
        two_liner(BRUSH_OFF_OUTBOUND, BRUSH_OFF_AGENT, &vars, &mut rng)
    } else {
        two_liner(WRONG_NUMBER_INBOUND, BRUSH_OFF_AGENT, &vars, &mut rng)
    };

    if used + reason.cost() + ending.cost() <= total {
        let reserve = ending.cost();
        let mut used = used + reason.cost();
        plan.append(reason);
        let topics = Topics::new(script, &mut rng);
        for k in 0.. {
            let pair = topics.pair(k, &vars, &mut rng);
            if used + pair.cost() + reserve > total {
                break;
            }
            used += pair.cost();
            plan.append(pair);
        }
        plan.append(ending);
    } else if used + reason.cost() + wrap.cost() <= total {
        plan.append(reason);
        plan.append(wrap);
    } else if used + brush.cost() <= total {
        plan.append(brush);
    }
    let tail = rng.random_range(5..=20u64);
    plan.layout(total, Some(tail))
}

/// A rough turn count for a call of `total` tenths, to size the vector once.
fn estimated_turns(total: u64) -> usize {
    usize::try_from(total / 40 + 2).unwrap_or(2).min(4_096)
}

/// A planned turn: text and durations, not yet placed on the timeline.
struct Planned {
    speaker: Speaker,
    text: String,
    /// Silence before the turn, in tenths (0 for the opening).
    gap: u64,
    /// Speaking time, in tenths.
    speech: u64,
}

/// Turns planned so far.
struct Plan {
    turns: Vec<Planned>,
}

impl Plan {
    fn with_capacity(n: usize) -> Plan {
        Plan {
            turns: Vec::with_capacity(n),
        }
    }

    /// Plans `text` with a random gap before it (none for the first turn).
    fn push(&mut self, speaker: Speaker, text: String, gap: u64, rng: &mut Rng) {
        let speech = speech_tenths(&text, rng);
        self.turns.push(Planned {
            speaker,
            text,
            gap,
            speech,
        });
    }

    /// Renders `template` and plans it after a random gap.
    fn push_line(&mut self, speaker: Speaker, template: &str, vars: &Vars, rng: &mut Rng) {
        let gap = gap_tenths(rng);
        self.push(speaker, vars.render(template), gap, rng);
    }

    fn append(&mut self, other: Plan) {
        self.turns.extend(other.turns);
    }

    /// Time the planned turns take, gaps included, in tenths.
    fn cost(&self) -> u64 {
        self.turns.iter().map(|t| t.gap + t.speech).sum()
    }

    /// Places the turns on a timeline of `total` tenths.
    ///
    /// Turns that would run past the end are cut (a turn needs at least
    /// [`MIN_CUT_TENTHS`] to be kept at all). With `tail`, the time left after the last turn,
    /// minus `tail` of trailing silence, is spread evenly over the gaps (at most
    /// [`MAX_EXTRA_GAP_TENTHS`] per gap).
    fn layout(self, total: u64, tail: Option<u64>) -> Vec<Turn> {
        // First pass: how many turns fit, and where the last one ends.
        let place = |t: u64, turn: &Planned, first: bool| {
            let start = t + turn.gap;
            if start + MIN_CUT_TENTHS > total && !first {
                return None;
            }
            let end = (start + turn.speech).min(total);
            (end > start).then_some((start, end))
        };
        let (mut kept, mut t) = (0usize, 0u64);
        for turn in &self.turns {
            let Some((_, end)) = place(t, turn, kept == 0) else {
                break;
            };
            kept += 1;
            t = end;
        }
        let extra = match (tail, kept.checked_sub(1)) {
            (Some(tail), Some(gaps)) if gaps > 0 => {
                let spare = total.saturating_sub(t).saturating_sub(tail);
                (spare / gaps as u64).min(MAX_EXTRA_GAP_TENTHS)
            }
            _ => 0,
        };
        // Second pass: the same placement, shifted by the extra silence.
        let mut out = Vec::with_capacity(kept);
        let mut t = 0u64;
        for (i, turn) in self.turns.into_iter().take(kept).enumerate() {
            let Some((start, end)) = place(t, &turn, i == 0) else {
                break;
            };
            t = end;
            let shift = i as u64 * extra;
            out.push(Turn {
                speaker: turn.speaker,
                text: turn.text,
                start_sec: tenths_to_sec(start + shift),
                end_sec: tenths_to_sec(end + shift),
            });
        }
        out
    }
}

/// Tenths of a second as seconds: the nearest `f64` to `tenths / 10`, which prints as the
/// one-decimal number it stands for.
fn tenths_to_sec(tenths: u64) -> f64 {
    // Exact for every value below 2^53, far beyond any call.
    tenths as f64 / 10.0
}

/// Speaking time of `text`: about 15 characters a second, ±10 %, at least 0.6 s.
fn speech_tenths(text: &str, rng: &mut Rng) -> u64 {
    let chars = text.chars().count() as u64;
    let base = (chars * 10).div_ceil(15);
    let jitter = rng.random_range(90..=110u64);
    ((base * jitter + 50) / 100).max(MIN_SPEECH_TENTHS)
}

/// Silence between two turns: 0.3 to 0.8 s.
fn gap_tenths(rng: &mut Rng) -> u64 {
    rng.random_range(3..=8u64)
}

/// The values templates are filled with.
struct Vars<'a> {
    agent: &'a str,
    company: &'a str,
    contact: Option<&'a str>,
    day: &'static str,
    time: &'static str,
    amount: String,
    ticket: u32,
}

impl<'a> Vars<'a> {
    fn new(ctx: &TranscriptContext<'a>, rng: &mut Rng) -> Vars<'a> {
        let agent = match clip(ctx.agent_first_name.trim(), 40) {
            "" => "your virtual assistant",
            a => a,
        };
        let company = match clip(ctx.company.trim(), 80) {
            "" => "our company",
            c => c,
        };
        let contact = ctx
            .contact_name
            .map(|n| clip(first_name(n), 40))
            .filter(|n| !n.is_empty());
        let day = pick(rng, DAYS, "Tuesday");
        let time = pick(rng, TIMES, "10 AM");
        let amount = format!(
            "${}.{:02}",
            rng.random_range(40..=900u32),
            rng.random_range(0..100u32)
        );
        let ticket = rng.random_range(10_000..100_000u32);
        Vars {
            agent,
            company,
            contact,
            day,
            time,
            amount,
            ticket,
        }
    }

    /// Fills a template. Placeholders: `{agent}`, `{company}`, `{contact}` (the contact's first
    /// name, or "there"), `{,contact}` (", Maria", or nothing), `{day}`, `{time}`, `{amount}`,
    /// `{ticket}`. Anything else in braces is copied as-is.
    fn render(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        self.render_into(&mut out, template);
        out
    }

    /// [`Vars::render`], appending to `out`.
    fn render_into(&self, out: &mut String, template: &str) {
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            let Some(close) = after.find('}') else {
                out.push_str(after);
                return;
            };
            match &after[1..close] {
                "agent" => out.push_str(self.agent),
                "company" => out.push_str(self.company),
                "contact" => out.push_str(self.contact.unwrap_or("there")),
                ",contact" => {
                    if let Some(c) = self.contact {
                        out.push_str(", ");
                        out.push_str(c);
                    }
                }
                "day" => out.push_str(self.day),
                "time" => out.push_str(self.time),
                "amount" => out.push_str(&self.amount),
                "ticket" => {
                    let _ = write!(out, "{}", self.ticket);
                }
                _ => out.push_str(&after[..=close]),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
    }
}

/// A plan of two lines: the contact's, then the agent's.
fn two_liner(contact: &[&str], agent: &[&str], vars: &Vars, rng: &mut Rng) -> Plan {
    let mut plan = Plan::with_capacity(2);
    plan.push_line(Speaker::Contact, pick(rng, contact, "Okay."), vars, rng);
    plan.push_line(
        Speaker::Agent,
        pick(rng, agent, "Thank you, goodbye."),
        vars,
        rng,
    );
    plan
}

/// The two turns after the opening: on an outbound call the contact answers and the agent says
/// why it called; on an inbound call the contact says why they called and the agent responds.
fn reason_phase(script: &Script, outbound: bool, vars: &Vars, rng: &mut Rng) -> Plan {
    let mut plan = Plan::with_capacity(2);
    if outbound {
        let greet = if vars.contact.is_some() {
            GREET_NAMED
        } else {
            GREET
        };
        plan.push_line(Speaker::Contact, pick(rng, greet, "Hello?"), vars, rng);
        plan.push_line(
            Speaker::Agent,
            pick(rng, script.reason_out, "I'm calling from {company}."),
            vars,
            rng,
        );
    } else {
        let intro = if vars.contact.is_some() {
            "Hi, this is {contact}. "
        } else {
            "Hi. "
        };
        let mut text = vars.render(intro);
        vars.render_into(&mut text, pick(rng, script.reason_in, "I have a question."));
        let gap = gap_tenths(rng);
        plan.push(Speaker::Contact, text, gap, rng);
        plan.push_line(
            Speaker::Agent,
            pick(rng, script.ack_in, "Happy to help."),
            vars,
            rng,
        );
    }
    plan
}

/// The closing phases of the theme: objection, handling, next step, goodbyes.
fn ending_phase(script: &Script, vars: &Vars, rng: &mut Rng) -> Plan {
    let mut plan = Plan::with_capacity(script.ending.len());
    for (i, slot) in script.ending.iter().enumerate() {
        let speaker = if i % 2 == 0 {
            Speaker::Contact
        } else {
            Speaker::Agent
        };
        plan.push_line(speaker, pick(rng, slot, "Okay."), vars, rng);
    }
    plan
}

/// The question-and-answer topics of a call: the theme's topics first, then the generic ones,
/// then around again for long calls.
struct Topics<'s> {
    script: &'s Script,
    /// Where the theme's topics start (0 for themes whose topics follow a sequence).
    theme_offset: usize,
    /// Where the generic topics start.
    generic_offset: usize,
}

impl<'s> Topics<'s> {
    fn new(script: &'s Script, rng: &mut Rng) -> Topics<'s> {
        let theme_offset = if script.ordered {
            0
        } else {
            rng.random_range(0..script.topics.len().max(1))
        };
        let generic_offset = rng.random_range(0..GENERIC_TOPICS.len().max(1));
        Topics {
            script,
            theme_offset,
            generic_offset,
        }
    }

    /// The `(contact, agent)` templates of the `k`-th topic.
    fn topic(&self, k: usize) -> (&'static str, &'static str) {
        let themed = self.script.topics.len();
        let generic = GENERIC_TOPICS.len();
        let k = k % (themed + generic).max(1);
        let found = if k < themed {
            self.script.topics.get((self.theme_offset + k) % themed)
        } else {
            GENERIC_TOPICS.get((self.generic_offset + k - themed) % generic.max(1))
        };
        found.copied().unwrap_or(("Okay.", "Great."))
    }

    /// The `k`-th pair of turns: the contact speaks, the agent answers. When the contact asks a
    /// question, either line is sometimes prefixed with a short acknowledgement ("Got it.",
    /// "Good question.") so that cycled topics do not repeat word for word.
    fn pair(&self, k: usize, vars: &Vars, rng: &mut Rng) -> Plan {
        let mut plan = Plan::with_capacity(2);
        let (contact, agent) = self.topic(k);
        let question = contact.ends_with('?');
        for (speaker, line, prefixes) in [
            (Speaker::Contact, contact, CONTACT_PREFIXES),
            (Speaker::Agent, agent, AGENT_PREFIXES),
        ] {
            let mut text = String::with_capacity(line.len() + 48);
            // Always draw, so the RNG stream does not depend on the template's punctuation.
            let prefixed = rng.random_ratio(1, 3);
            let prefix = pick(rng, prefixes, "");
            if prefixed && question && !starts_with_acknowledgement(line) {
                text.push_str(prefix);
            }
            vars.render_into(&mut text, line);
            let gap = gap_tenths(rng);
            plan.push(speaker, text, gap, rng);
        }
        plan
    }
}

/// Whether a line already opens with an acknowledgement ("Yes, …", "Absolutely. …"), so that
/// another one in front of it would stutter.
fn starts_with_acknowledgement(line: &str) -> bool {
    const ACKS: &[&str] = &[
        "Yes",
        "No",
        "Not at all",
        "Absolutely",
        "Of course",
        "Sure",
        "Great",
        "Good",
        "Okay",
        "Got it",
        "That",
    ];
    ACKS.iter().any(|a| {
        line.strip_prefix(a)
            .is_some_and(|rest| rest.starts_with([',', '.', '!', ' ']))
    })
}

/// What a call is about, chosen from the agent's mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Theme {
    Sales,
    Appointment,
    Support,
    Renewal,
    Payment,
    Survey,
}

/// The theme of a mission, by keyword; sales when nothing more specific matches.
fn theme_of(mission: &str) -> Theme {
    let m = mission.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if has(&["renew"]) {
        Theme::Renewal
    } else if has(&["overdue", "payment", "balance", "invoice"]) {
        Theme::Payment
    } else if has(&["survey", "feedback"]) {
        Theme::Survey
    } else if has(&["support", "ticket", "troubleshoot"]) {
        Theme::Support
    } else if has(&["appointment"]) {
        Theme::Appointment
    } else {
        Theme::Sales
    }
}

impl Theme {
    fn script(self) -> &'static Script {
        match self {
            Theme::Sales => &SALES,
            Theme::Appointment => &APPOINTMENT,
            Theme::Support => &SUPPORT,
            Theme::Renewal => &RENEWAL,
            Theme::Payment => &PAYMENT,
            Theme::Survey => &SURVEY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALL_SCRIPTS: [&Script; 6] = [&SALES, &APPOINTMENT, &SUPPORT, &RENEWAL, &PAYMENT, &SURVEY];

    fn ctx(duration_sec: u32) -> TranscriptContext<'static> {
        TranscriptContext {
            agent_first_name: "Ava",
            first_message: "Hi, this is Ava calling from Acme Logistics. You recently asked about our services — do you have a minute?",
            company: "Acme Logistics",
            contact_name: Some("Maria Lopez"),
            mission: "Call new leads and book a 30-minute appointment on the team calendar.",
            outbound: true,
            duration_sec,
        }
    }

    fn tenths(x: f64) -> u64 {
        (x * 10.0).round() as u64
    }

    /// Every timing and shape invariant the contract and the audio generator rely on.
    fn check_invariants(turns: &[Turn], c: &TranscriptContext) -> Result<(), String> {
        let total = u64::from(c.duration_sec) * 10;
        if c.duration_sec == 0 {
            return if turns.is_empty() {
                Ok(())
            } else {
                Err("turns for a 0 s call".into())
            };
        }
        if turns.is_empty() {
            return Err("no turns".into());
        }
        if c.duration_sec < 10 && turns.len() > 2 {
            return Err(format!(
                "{} turns for a {} s call",
                turns.len(),
                c.duration_sec
            ));
        }
        let first = &turns[0];
        if first.speaker != Speaker::Agent || first.start_sec != 0.0 {
            return Err(format!("bad opening {first:?}"));
        }
        if !c.first_message.trim().is_empty() && first.text != c.first_message {
            return Err("opening is not the first message".into());
        }
        let mut prev_end: Option<u64> = None;
        for (i, t) in turns.iter().enumerate() {
            if t.text.is_empty() || t.text.contains('{') {
                return Err(format!("turn {i} text {:?}", t.text));
            }
            for x in [t.start_sec, t.end_sec] {
                let back = tenths(x) as f64 / 10.0;
                if back.to_bits() != x.to_bits() || x < 0.0 {
                    return Err(format!("turn {i} time {x} is not an exact tenth"));
                }
            }
            let (s, e) = (tenths(t.start_sec), tenths(t.end_sec));
            if e <= s {
                return Err(format!("turn {i} end {e} <= start {s}"));
            }
            if e > total {
                return Err(format!("turn {i} ends at {e} past {total}"));
            }
            if let Some(p) = prev_end
                && s <= p
            {
                return Err(format!("turn {i} starts at {s}, no silence after {p}"));
            }
            if i > 0 && t.speaker == turns[i - 1].speaker {
                return Err(format!("turn {i} repeats the speaker"));
            }
            prev_end = Some(e);
        }
        Ok(())
    }

    #[test]
    fn zero_duration_is_empty() {
        assert!(transcript(1, &ctx(0)).is_empty());
    }

    #[test]
    fn very_short_calls_have_one_or_two_turns() {
        for d in 1..10 {
            for seed in 0..50 {
                let c = ctx(d);
                let turns = transcript(seed, &c);
                assert!((1..=2).contains(&turns.len()), "{d}s: {turns:?}");
                check_invariants(&turns, &c).unwrap_or_else(|e| panic!("{d}s seed {seed}: {e}"));
            }
        }
        // A one-second call is the opening, cut at the end of the call.
        let turns = transcript(3, &ctx(1));
        assert_eq!(turns.len(), 1);
        assert_eq!((turns[0].start_sec, turns[0].end_sec), (0.0, 1.0));
    }

    #[test]
    fn a_three_minute_call_reads_like_a_conversation() {
        let c = ctx(180);
        let turns = transcript(7, &c);
        check_invariants(&turns, &c).unwrap();
        assert!(turns.len() >= 12, "{}", turns.len());
        let all: String = turns
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains("Maria"), "{all}");
        assert!(!all.contains("Lopez"), "only the first name is used: {all}");
        // The appointment theme books a slot, and the call ends with a goodbye from the contact.
        assert!(all.contains(" at "), "{all}");
        let last = turns
            .last()
            .map(|t| t.text.to_ascii_lowercase())
            .unwrap_or_default();
        assert!(last.contains("bye"), "{last}");
        assert_eq!(turns.last().map(|t| t.speaker), Some(Speaker::Contact));
        // The call fills its time: little silence is left at the end.
        let end = turns.last().map_or(0.0, |t| t.end_sec);
        assert!(end >= 180.0 - 15.0, "{end}");
    }

    #[test]
    fn speaking_time_follows_text_length() {
        let c = ctx(600);
        for t in transcript(11, &c).iter().skip(1) {
            let chars = t.text.chars().count() as f64;
            let secs = t.end_sec - t.start_sec;
            let expected = (chars / 15.0).max(0.6);
            assert!(
                secs >= expected * 0.85 - 0.15 && secs <= expected * 1.15 + 0.15,
                "{secs} s for {chars} chars: {:?}",
                t.text
            );
        }
    }

    #[test]
    fn inbound_unknown_callers_are_not_named() {
        let c = TranscriptContext {
            outbound: false,
            contact_name: None,
            ..ctx(240)
        };
        let turns = transcript(5, &c);
        check_invariants(&turns, &c).unwrap();
        assert_eq!(turns[1].speaker, Speaker::Contact);
        assert!(turns[1].text.starts_with("Hi. "), "{:?}", turns[1].text);
        assert!(turns.iter().all(|t| !t.text.contains("Maria")));
        let known = TranscriptContext {
            outbound: false,
            ..ctx(240)
        };
        let turns = transcript(5, &known);
        assert!(
            turns[1].text.starts_with("Hi, this is Maria. "),
            "{:?}",
            turns[1].text
        );
    }

    #[test]
    fn long_calls_cycle_topics_and_stay_proportional() {
        let c = ctx(3_600);
        let turns = transcript(13, &c);
        check_invariants(&turns, &c).unwrap();
        assert!((300..=1_200).contains(&turns.len()), "{}", turns.len());
        assert!(turns.last().map_or(0.0, |t| t.end_sec) >= 3_600.0 - 15.0);
    }

    #[test]
    fn missing_names_and_messages_fall_back() {
        let c = TranscriptContext {
            agent_first_name: " ",
            first_message: "  ",
            company: "",
            contact_name: Some(""),
            mission: "",
            outbound: false,
            duration_sec: 90,
        };
        let turns = transcript(2, &c);
        check_invariants(&turns, &c).unwrap();
        assert_eq!(
            turns[0].text,
            "Hi, this is your virtual assistant from our company. How can I help you today?"
        );
    }

    #[test]
    fn a_long_first_message_is_cut_by_a_short_call() {
        let long = "Hello there. ".repeat(75);
        let c = TranscriptContext {
            first_message: &long,
            ..ctx(20)
        };
        let turns = transcript(4, &c);
        check_invariants(&turns, &c).unwrap();
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].end_sec, 20.0);
    }

    #[test]
    fn themes_follow_the_mission() {
        assert_eq!(
            theme_of("Call customers whose plan is due to RENEW."),
            Theme::Renewal
        );
        assert_eq!(
            theme_of("Remind customers about an overdue balance."),
            Theme::Payment
        );
        assert_eq!(theme_of("Run a short satisfaction survey."), Theme::Survey);
        assert_eq!(
            theme_of("Solve support issues and open a ticket."),
            Theme::Support
        );
        assert_eq!(theme_of("Book an appointment."), Theme::Appointment);
        assert_eq!(theme_of("Qualify leads and book a demo."), Theme::Sales);
        assert_eq!(theme_of(""), Theme::Sales);
    }

    #[test]
    fn every_seeded_role_gets_a_sensible_theme() {
        use crate::fake::{agent_profile, first_name};
        let mut themes = std::collections::BTreeSet::new();
        for i in 0..200 {
            let p = agent_profile(&mut rng_for(5, "agent", i), "Acme");
            themes.insert(format!("{:?}", theme_of(&p.mission)));
            let c = TranscriptContext {
                agent_first_name: first_name(&p.name),
                first_message: &p.first_message,
                company: "Acme",
                contact_name: Some("Wei Chen"),
                mission: &p.mission,
                outbound: i % 2 == 0,
                duration_sec: 150,
            };
            check_invariants(&transcript(i, &c), &c).unwrap();
        }
        assert_eq!(themes.len(), 6, "{themes:?}");
    }

    #[test]
    fn scripts_alternate_and_render_completely() {
        let mut rng = rng_for(1, "t", 0);
        let vars = Vars::new(&ctx(60), &mut rng);
        for script in ALL_SCRIPTS {
            assert!(
                script.ending.len() % 2 == 1,
                "the ending starts and ends with the contact"
            );
            assert!(!script.topics.is_empty() && !script.reason_out.is_empty());
            assert!(!script.reason_in.is_empty() && !script.ack_in.is_empty());
            let lines = script
                .reason_out
                .iter()
                .chain(script.reason_in)
                .chain(script.ack_in)
                .chain(script.topics.iter().flat_map(|(a, b)| [a, b]))
                .chain(script.ending.iter().flat_map(|s| s.iter()));
            for line in lines {
                let text = vars.render(line);
                assert!(!text.contains('{') && !text.contains('}'), "{text}");
            }
            assert!(script.ending.iter().all(|slot| !slot.is_empty()));
        }
    }

    #[test]
    fn render_handles_every_placeholder() {
        let mut rng = rng_for(1, "t", 0);
        let vars = Vars::new(&ctx(60), &mut rng);
        assert_eq!(
            vars.render("Hi{,contact}, {agent} of {company}"),
            "Hi, Maria, Ava of Acme Logistics"
        );
        assert_eq!(vars.render("{unknown} {"), "{unknown} {");
        let anon = Vars {
            contact: None,
            ..vars
        };
        assert_eq!(
            anon.render("Thanks{,contact}! Hi {contact}."),
            "Thanks! Hi there."
        );
    }

    #[test]
    fn transcripts_are_deterministic() {
        let c = ctx(200);
        assert_eq!(transcript(99, &c), transcript(99, &c));
        assert_ne!(transcript(99, &c), transcript(100, &c));
        let inbound = TranscriptContext {
            outbound: false,
            ..c
        };
        assert_ne!(transcript(99, &c), transcript(99, &inbound));
    }

    #[test]
    fn transcript_is_pinned() {
        // Golden: if this fails, every stored call's transcript changed. Update the constant
        // only for an intended change of the generator.
        let rendered: String = transcript(2024, &ctx(95))
            .iter()
            .map(|t| {
                format!(
                    "{} {}-{} {}\n",
                    t.speaker.as_str(),
                    t.start_sec,
                    t.end_sec,
                    t.text
                )
            })
            .collect();
        assert_eq!(rendered, GOLDEN_2024_95S, "\n{rendered}");
    }

    const GOLDEN_2024_95S: &str = r#"agent 0-7 Hi, this is Ava calling from Acme Logistics. You recently asked about our services — do you have a minute?
contact 7.4-10.3 Hi, yes, this is Maria. What's this about?
agent 11-18.1 Thanks, Maria. You recently requested an estimate from Acme Logistics, and I'm calling to find a time for the visit.
contact 18.6-20.3 What if I need to cancel?
agent 20.9-25.9 No problem at all. Just let us know 24 hours ahead and we'll find another time.
contact 26.4-29.4 Thanks. How long does the appointment take?
agent 30.1-37.6 Usually about 30 minutes. The specialist will go through everything with you and answer any questions.
contact 38.1-40.7 Got it. Do I need to bring anything?
agent 41.4-48.1 Just a photo ID and any paperwork you already have. We'll send a checklist with your confirmation.
contact 48.7-50.8 Is it in person or over the phone?
agent 51.2-56.8 Whichever you prefer. We have in-person visits at our office and video calls too.
contact 57.2-59.9 Is there a cost for the consultation?
agent 60.4-64.8 No, the first consultation is completely free, with no obligation.
contact 65.2-67.8 My schedule is a bit all over the place.
agent 68.4-72.2 No problem, we're flexible. Would Tuesday at 4 PM work?
contact 72.9-74.6 Yes, Tuesday at 4 PM works.
agent 75.3-81.5 Great, I'll put you down for Tuesday at 4 PM. Can I send the confirmation to this number by text?
contact 82.2-83.4 Yes, that's fine.
agent 84-89.8 Done. You'll get a text in a moment with the details. Thanks, Maria, and have a great day!
contact 90.7-91.6 Thank you, bye!
"#;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn timing_invariants_hold(
            seed in any::<u64>(),
            duration in 0u32..4_000,
            outbound in any::<bool>(),
            named in any::<bool>(),
            message in prop_oneof![
                Just(String::new()),
                Just("Hi, this is Ava from Acme. Do you have a minute?".to_owned()),
                "[a-zA-Z ,.!?é—]{1,1000}",
            ],
            mission in prop_oneof![Just("renew"), Just("overdue"), Just("survey"), Just("support"), Just("appointment"), Just("")],
        ) {
            let c = TranscriptContext {
                agent_first_name: "Leo",
                first_message: &message,
                company: "Summit Realty",
                contact_name: named.then_some("Wei Chen"),
                mission,
                outbound,
                duration_sec: duration,
            };
            let turns = transcript(seed, &c);
            if let Err(e) = check_invariants(&turns, &c) {
                return Err(TestCaseError::fail(format!("{e}\n{turns:#?}")));
            }
        }
    }
}
