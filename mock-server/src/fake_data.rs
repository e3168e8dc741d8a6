//! Realistic, deterministic fake data: people, companies, e-mail addresses, phone numbers, voices
//! and agent profiles.
//!
//! # Determinism
//!
//! The mock promises that the same root seed gives byte-identical workspaces on every machine
//! and in every run, so nothing here may depend on the clock, the thread RNG, hash-map iteration
//! order or float formatting. Every generator takes an explicit [`Rng`] (ChaCha8, whose output
//! stream is specified and portable), derived with [`rng_for`] from a seed, a purpose label and
//! an index ([`crate::determinism`] owns the derivation).
//!
//! The values are also pinned to the exact versions of `fake`, `rand` and `rand_chacha` in
//! `Cargo.lock`: a dependency upgrade that changes how a value is drawn changes the seeded data,
//! and the golden tests below say so loudly instead of letting it drift.
//!
//! # Shape
//!
//! Everything produced here is meant to be served as-is, so it fits the contract
//! (`spec/openapi.json`) by construction: phone numbers are E.164, e-mail addresses are plain
//! ASCII `local@domain.tld` that pass the schema's `email` format, voice ids and languages match
//! the `Voice` patterns, and agent profiles respect every length limit of `Agent` (D-AGENTS),
//! even when the caller passes an oversized company name. Speeds are 0.9, 1.0 or 1.1 so that they
//! serialise as those exact decimals.

use fake::Fake as _;
use fake::faker::company::en::CompanyName;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt as _;
use rand::seq::IndexedRandom as _;

pub(crate) use crate::determinism::{Rng, rng_for};

/// Picks one element of a constant table; `fallback` only if the table is empty (never, for
/// the tables in this crate, which the tests check).
pub(crate) fn pick<'a>(rng: &mut Rng, items: &[&'a str], fallback: &'a str) -> &'a str {
    items.choose(rng).copied().unwrap_or(fallback)
}

/// The first name in a display name: `"Maria Lopez"` → `"Maria"`, `"Ava — Inbound Sales"` →
/// `"Ava"`, and for the "Last, First" form common in CSV exports, `"Chen, Wei"` → `"Wei"`.
/// Empty when the name has no word.
pub(crate) fn first_name(full: &str) -> &str {
    full.split_once(',')
        .and_then(|(_, given)| first_word(given))
        .or_else(|| first_word(full))
        .unwrap_or("")
}

/// The first word of `s`, words being separated by whitespace, em dashes and commas.
fn first_word(s: &str) -> Option<&str> {
    s.split(|c: char| c.is_whitespace() || c == '—' || c == ',')
        .find(|w| !w.is_empty())
}

/// `s` cut to at most `max` characters (not bytes), on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Owned [`clip`].
fn clipped(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => {
            let mut s = s;
            s.truncate(i);
            s
        }
        None => s,
    }
}

// ----- people and companies -----

/// Entries of fake's first-name table that are not plausible first names for a contact (words,
/// places, or names the table stores truncated to ten letters).
const ODD_FIRST_NAMES: &[&str] = &[
    "America",
    "Baby",
    "Brain",
    "Brown",
    "Christ",
    "Christop",
    "Easter",
    "Florida",
    "General",
    "Green",
    "Heaven",
    "Maximillia",
    "Miracle",
    "Missouri",
    "Name",
    "Pink",
    "Precious",
    "Price",
    "Princess",
    "Providenci",
    "Queen",
    "Sincere",
    "Sister",
    "Toy",
    "Unique",
];

/// A contact's full name such as `"Maria Lopez"`, from fake's English first and last names.
///
/// A handful of odd entries in fake's first-name table (`"Baby"`, `"Name"`, truncated names)
/// are redrawn, at most a few times so the cost stays bounded.
pub(crate) fn person_name(rng: &mut Rng) -> String {
    let mut first: &str = FirstName().fake_with_rng(rng);
    for _ in 0..4 {
        if !ODD_FIRST_NAMES.contains(&first) {
            break;
        }
        first = FirstName().fake_with_rng(rng);
    }
    let last: &str = LastName().fake_with_rng(rng);
    format!("{first} {last}")
}

/// Words that start a company name built from a brand word.
const COMPANY_BRANDS: &[&str] = &[
    "Atlas",
    "Beacon",
    "Blue Harbor",
    "Bright Path",
    "Cedar",
    "Clearwater",
    "Crescent",
    "Evergreen",
    "Granite",
    "Keystone",
    "Lakeside",
    "Maple",
    "Northwind",
    "Pioneer",
    "Redwood",
    "Riverbend",
    "Silverline",
    "Summit",
];

/// Lines of business a company name ends with.
const COMPANY_INDUSTRIES: &[&str] = &[
    "Auto Group",
    "Dental",
    "Financial",
    "Fitness",
    "Health",
    "Home Services",
    "HVAC",
    "Insurance",
    "Legal",
    "Logistics",
    "Plumbing",
    "Property Management",
    "Realty",
    "Roofing",
    "Senior Living",
    "Software",
    "Solar",
    "Staffing",
    "Veterinary Clinic",
    "Wealth Partners",
];

/// A company name such as `"Kuhn Logistics"`, `"Summit Realty"` or fake's `"Abbott and Sons"`.
///
/// Most names pair a surname or brand word with a line of business, because that reads like
/// the small and mid-sized businesses that buy phone agents; a fifth come from fake's own
/// company generator for variety.
pub(crate) fn company(rng: &mut Rng) -> String {
    match rng.random_range(0..20u32) {
        0..9 => {
            let last: &str = LastName().fake_with_rng(rng);
            let industry = pick(rng, COMPANY_INDUSTRIES, "Services");
            format!("{last} {industry}")
        }
        9..16 => {
            let brand = pick(rng, COMPANY_BRANDS, "Summit");
            let industry = pick(rng, COMPANY_INDUSTRIES, "Services");
            format!("{brand} {industry}")
        }
        _ => CompanyName().fake_with_rng(rng),
    }
}

/// Lowercase ASCII letters and digits of `s`, other characters dropped (`"O'Connell"` →
/// `"oconnell"`).
fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Words of a company name that make poor domain names.
const DOMAIN_STOP_WORDS: &[&str] = &["inc", "llc", "ltd", "co", "and"];

/// An e-mail address such as `"maria.lopez@kuhnlogistics.com"` for a person at a company.
///
/// The result is lowercase ASCII: the local part is letters and digits with at most one dot,
/// the domain is one label of letters and digits plus a common TLD, so it passes the contract's
/// `email` format whatever the inputs (accents and apostrophes are dropped; an empty name or
/// company falls back to `contact` / `example`).
pub(crate) fn email_for(name: &str, company: &str, rng: &mut Rng) -> String {
    let mut words = name
        .split_whitespace()
        .map(ascii_slug)
        .filter(|w| !w.is_empty());
    let first = words.next().unwrap_or_default();
    let last = words.next_back().unwrap_or_default();
    let local = match (
        first.is_empty(),
        last.is_empty(),
        rng.random_range(0..10u32),
    ) {
        (true, true, _) => "contact".to_owned(),
        (false, true, _) => first,
        (true, false, _) => last,
        (false, false, 0..6) => format!("{first}.{last}"),
        (false, false, 6..8) => format!("{}{last}", first.get(..1).unwrap_or_default()),
        (false, false, 8) => first,
        (false, false, _) => format!("{first}{}", last.get(..1).unwrap_or_default()),
    };
    let domain: String = company
        .split_whitespace()
        .map(ascii_slug)
        .filter(|w| !w.is_empty() && !DOMAIN_STOP_WORDS.contains(&w.as_str()))
        .collect();
    let domain = if domain.is_empty() {
        "example".to_owned()
    } else {
        clipped(domain, 40)
    };
    let tld = match rng.random_range(0..10u32) {
        0..7 => "com",
        7 => "net",
        8 => "co",
        _ => "io",
    };
    format!("{}@{domain}.{tld}", clip(&local, 40))
}

// ----- phone numbers -----

/// A place where the mock has phone numbers: a country, an area code and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AreaCode {
    /// ISO 3166-1 alpha-2 country code.
    pub(crate) country: &'static str,
    /// Area code as dialled after the country code (no trunk `0`).
    pub(crate) area_code: &'static str,
    /// City.
    pub(crate) locality: &'static str,
    /// State, province or (for GB) constituent-country code.
    pub(crate) region: &'static str,
}

/// The area codes of the seeded workspaces and the number inventory, US first.
pub(crate) const AREA_CODES: &[AreaCode] = &[
    AreaCode {
        country: "US",
        area_code: "415",
        locality: "San Francisco",
        region: "CA",
    },
    AreaCode {
        country: "US",
        area_code: "212",
        locality: "New York",
        region: "NY",
    },
    AreaCode {
        country: "US",
        area_code: "310",
        locality: "Los Angeles",
        region: "CA",
    },
    AreaCode {
        country: "US",
        area_code: "512",
        locality: "Austin",
        region: "TX",
    },
    AreaCode {
        country: "US",
        area_code: "646",
        locality: "New York",
        region: "NY",
    },
    AreaCode {
        country: "US",
        area_code: "206",
        locality: "Seattle",
        region: "WA",
    },
    AreaCode {
        country: "US",
        area_code: "312",
        locality: "Chicago",
        region: "IL",
    },
    AreaCode {
        country: "US",
        area_code: "617",
        locality: "Boston",
        region: "MA",
    },
    AreaCode {
        country: "US",
        area_code: "305",
        locality: "Miami",
        region: "FL",
    },
    AreaCode {
        country: "US",
        area_code: "303",
        locality: "Denver",
        region: "CO",
    },
    AreaCode {
        country: "CA",
        area_code: "416",
        locality: "Toronto",
        region: "ON",
    },
    AreaCode {
        country: "CA",
        area_code: "604",
        locality: "Vancouver",
        region: "BC",
    },
    AreaCode {
        country: "CA",
        area_code: "514",
        locality: "Montreal",
        region: "QC",
    },
    AreaCode {
        country: "GB",
        area_code: "20",
        locality: "London",
        region: "ENG",
    },
    AreaCode {
        country: "GB",
        area_code: "161",
        locality: "Manchester",
        region: "ENG",
    },
];

/// The international calling code of a country the mock knows, without the `+`.
pub(crate) fn calling_code(country: &str) -> Option<&'static str> {
    let code = match country.to_ascii_uppercase().as_str() {
        "US" | "CA" => "1",
        "GB" => "44",
        "IE" => "353",
        "AU" => "61",
        "DE" => "49",
        "FR" => "33",
        "ES" => "34",
        "MX" => "52",
        _ => return None,
    };
    Some(code)
}

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

// ----- voices -----

/// A voice of the catalogue and the language it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VoiceSpec {
    /// Voice id, `^[a-z][a-z0-9-]{1,39}$`.
    pub(crate) voice_id: &'static str,
    /// BCP 47 tag, `^[a-z]{2}-[A-Z]{2}$`.
    pub(crate) language: &'static str,
}

/// The voice catalogue.
pub(crate) const VOICES: &[VoiceSpec] = &[
    VoiceSpec {
        voice_id: "aria",
        language: "en-US",
    },
    VoiceSpec {
        voice_id: "orion",
        language: "en-US",
    },
    VoiceSpec {
        voice_id: "ember",
        language: "en-US",
    },
    VoiceSpec {
        voice_id: "kai",
        language: "en-US",
    },
    VoiceSpec {
        voice_id: "nova",
        language: "en-GB",
    },
    VoiceSpec {
        voice_id: "atlas",
        language: "en-GB",
    },
    VoiceSpec {
        voice_id: "juniper",
        language: "en-AU",
    },
    VoiceSpec {
        voice_id: "sol",
        language: "es-ES",
    },
    VoiceSpec {
        voice_id: "luna",
        language: "es-MX",
    },
    VoiceSpec {
        voice_id: "remy",
        language: "fr-FR",
    },
];

// ----- agents -----

/// Everything needed to create a seeded agent (the `Agent` schema without ids and timestamps).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AgentProfile {
    /// Display name such as `"Ava — Inbound Sales"` (1 to 100 characters).
    pub(crate) name: String,
    /// Personality and tone (at most 4,000 characters).
    pub(crate) soul: String,
    /// What the agent tries to achieve (at most 2,000 characters).
    pub(crate) mission: String,
    /// Ordered `(title, instructions)` steps (at most 50; 200 / 4,000 characters).
    pub(crate) playbook: Vec<(String, String)>,
    /// `(title, content)` facts (at most 100; 200 / 20,000 characters).
    pub(crate) knowledge_base: Vec<(String, String)>,
    /// What the agent says first; names the agent and the company (1 to 1,000 characters).
    pub(crate) first_message: String,
    /// Voice id from [`VOICES`].
    pub(crate) voice_id: &'static str,
    /// The voice's language.
    pub(crate) language: &'static str,
    /// Speaking rate: 0.9, 1.0 or 1.1.
    pub(crate) speed: f64,
    /// Live transfer settings, or `None` when the agent never transfers.
    pub(crate) transfer: Option<TransferProfile>,
}

/// Live transfer settings of an [`AgentProfile`] (the `TransferSettings` schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransferProfile {
    /// Where to transfer, E.164.
    pub(crate) phone_number: String,
    /// `"warm"` or `"cold"`.
    pub(crate) mode: &'static str,
    /// When to transfer, in plain language (at most 1,000 characters).
    pub(crate) conditions: String,
}

/// A kind of agent: its label and the templates of its texts. `{agent}` and `{company}` are
/// replaced when a profile is built.
struct Role {
    label: &'static str,
    mission: &'static str,
    first_messages: &'static [&'static str],
    playbook: &'static [(&'static str, &'static str)],
    knowledge: &'static [(&'static str, &'static str)],
    transfer_conditions: &'static str,
}

/// The roles agents are drawn from. The missions use the words the transcript generator keys
/// its conversation themes on (`appointment`, `support`, `renew`, `overdue`, `survey`).
const ROLES: &[Role] = &[
    Role {
        label: "Inbound Sales",
        mission: "Answer inbound enquiries for {company}, understand what the caller needs, \
                  qualify budget and timeline, and book a consultation with the sales team for \
                  every qualified caller.",
        first_messages: &[
            "Thanks for calling {company}, this is {agent}. How can I help you today?",
            "Hi, you've reached {company}. My name is {agent} — what can I do for you?",
        ],
        playbook: &[
            (
                "Greet and listen",
                "Thank the caller, give your name, and let them explain what they need without interrupting.",
            ),
            (
                "Qualify",
                "Ask about the size of the project, the budget range and when they would like to start. Note the answers.",
            ),
            (
                "Answer questions",
                "Use the knowledge base for prices and policies. Never invent a price or a promise.",
            ),
            (
                "Handle objections",
                "Acknowledge the concern, give one relevant fact, and ask whether that helps.",
            ),
            (
                "Book the consultation",
                "Offer two concrete time slots and confirm the one the caller picks, with their e-mail address.",
            ),
            (
                "Close",
                "Summarise what happens next and thank the caller by name.",
            ),
        ],
        knowledge: &[
            (
                "Pricing",
                "Plans at {company} start at $49 a month with no setup fee. Annual plans save 15 percent. Custom quotes are prepared by the sales team after a consultation.",
            ),
            (
                "Free trial",
                "New customers can try the service free for 14 days. No credit card is needed to start.",
            ),
        ],
        transfer_conditions: "Transfer when the caller asks for a custom quote above the standard plans, or wants to sign today.",
    },
    Role {
        label: "Appointment Setter",
        mission: "Call new leads who asked {company} for information, confirm their interest and \
                  book a 30-minute appointment on the team calendar.",
        first_messages: &[
            "Hi, this is {agent} calling from {company}. You recently asked about our services, and I'd love to help you book a time with our team. Do you have a minute?",
            "Hello! It's {agent} from {company}. I'm following up on your request for a free consultation — is now a good time?",
        ],
        playbook: &[
            (
                "Introduce",
                "Say who you are, that you are calling from the company, and why: the lead asked for information.",
            ),
            (
                "Confirm interest",
                "Ask whether they are still looking for help and what prompted the request.",
            ),
            (
                "Offer times",
                "Offer two slots in the next five business days. If neither works, ask which day suits them.",
            ),
            (
                "Confirm details",
                "Repeat the date, time and address or video link, and confirm the mobile number for the reminder text.",
            ),
            (
                "Wrap up",
                "Thank them and tell them a confirmation text is on its way.",
            ),
        ],
        knowledge: &[
            (
                "Appointments",
                "Appointments at {company} last about 30 minutes, in person at the office or by video call. The first consultation is free.",
            ),
            (
                "Cancellations",
                "Appointments can be moved or cancelled free of charge up to 24 hours before the start time.",
            ),
        ],
        transfer_conditions: "Transfer when the lead wants to speak to a specialist before booking.",
    },
    Role {
        label: "Support Triage",
        mission: "Help {company} customers with account and service questions, solve common \
                  support issues with the knowledge base, and open a ticket for anything that \
                  needs a specialist.",
        first_messages: &[
            "Hi, you've reached {company} support. My name is {agent}. What can I help you with today?",
            "Thanks for calling {company} support, this is {agent}. How can I help?",
        ],
        playbook: &[
            (
                "Identify the customer",
                "Ask for the e-mail address or account number and confirm the name on the account.",
            ),
            (
                "Understand the issue",
                "Ask what happened, when it started and what they have already tried.",
            ),
            (
                "Troubleshoot",
                "Walk through the matching fix from the knowledge base one step at a time, checking after each step.",
            ),
            (
                "Escalate",
                "If the issue is not solved after two attempts, open a ticket and tell the customer when a specialist will call back.",
            ),
            (
                "Confirm",
                "Give the ticket number, summarise the next steps and ask whether there is anything else.",
            ),
        ],
        knowledge: &[
            (
                "Password resets",
                "Customers can reset their password from the sign-in page. The reset link is valid for 30 minutes.",
            ),
            (
                "Service status",
                "A green status light means the device is connected; orange means the connection dropped. Holding the reset button for ten seconds reconnects it.",
            ),
            (
                "Billing questions",
                "Invoices are issued on the 1st of each month. Credits for outages are applied to the next invoice.",
            ),
        ],
        transfer_conditions: "Transfer when the customer reports an outage affecting several people, or is still upset after two attempts to resolve the issue.",
    },
    Role {
        label: "Renewals",
        mission: "Call {company} customers whose plan is due to renew in the next 30 days, \
                  confirm they want to renew, answer pricing questions and offer the annual plan.",
        first_messages: &[
            "Hi, this is {agent} from {company}. I'm calling because your plan comes up for renewal soon. Is now a good time?",
        ],
        playbook: &[
            (
                "Check in",
                "Ask how the service has been working for them since they signed up.",
            ),
            (
                "Explain the renewal",
                "Give the renewal date and the price, and explain that nothing changes if they stay on the same plan.",
            ),
            (
                "Offer the annual plan",
                "Explain the annual discount. Offer it once; do not push.",
            ),
            (
                "Handle hesitation",
                "If they mention a competitor, ask what matters most to them and answer with one relevant fact.",
            ),
            (
                "Confirm",
                "Confirm the plan they choose and that a confirmation e-mail will follow.",
            ),
        ],
        knowledge: &[
            (
                "Renewal pricing",
                "Customers who renew before their renewal date keep their current rate for another year.",
            ),
            (
                "Annual plan",
                "The annual plan at {company} costs the same as ten months and includes priority support.",
            ),
        ],
        transfer_conditions: "Transfer when the customer wants to cancel or asks for a discount above 15 percent.",
    },
    Role {
        label: "Payment Reminders",
        mission: "Remind {company} customers politely about an overdue balance, confirm the \
                  amount, and help them pay or set up a payment plan. Never threaten or pressure.",
        first_messages: &[
            "Hello, this is {agent} calling from {company} with a quick reminder about your account. Is this a good time to talk for a minute?",
        ],
        playbook: &[
            (
                "Verify",
                "Confirm you are speaking with the account holder before mentioning any amount.",
            ),
            (
                "Remind",
                "State the overdue amount and the original due date in a neutral, friendly tone.",
            ),
            (
                "Offer options",
                "Offer to take a payment now, schedule one, or split the balance into two or three payments.",
            ),
            (
                "Confirm",
                "Repeat the agreed dates and amounts and tell the customer a confirmation will follow.",
            ),
        ],
        knowledge: &[
            (
                "Payment options",
                "{company} accepts cards, bank transfers and checks. Card payments by phone are processed immediately.",
            ),
            (
                "Late fees",
                "No late fee is charged if the balance is paid or a payment plan is agreed within ten days of the reminder.",
            ),
        ],
        transfer_conditions: "Transfer when the customer disputes the balance or asks for a hardship arrangement.",
    },
    Role {
        label: "Customer Survey",
        mission: "Run a short satisfaction survey with recent {company} customers: a 1-to-10 \
                  rating, the main reason for it, and one suggestion, in under three minutes.",
        first_messages: &[
            "Hi, this is {agent} from {company}. We'd love your feedback on your recent visit — it only takes two minutes. Do you have a moment?",
        ],
        playbook: &[
            (
                "Ask permission",
                "Say the survey takes about two minutes and ask whether now is a good time.",
            ),
            (
                "Rating",
                "Ask how likely they are to recommend the company, from 1 to 10.",
            ),
            (
                "Reason",
                "Ask for the main reason for their score. Do not argue with it.",
            ),
            (
                "Suggestion",
                "Ask for one thing the company could do better.",
            ),
            ("Thank", "Thank them sincerely and end the call."),
        ],
        knowledge: &[(
            "Privacy",
            "Survey answers are used only in aggregate to improve the service at {company} and are never shared.",
        )],
        transfer_conditions: "Transfer when the customer wants to make a complaint to a manager.",
    },
    Role {
        label: "Lead Qualification",
        mission: "Call inbound web leads for {company} within minutes, qualify them on need, \
                  budget and timeline, and book a demo for every qualified lead.",
        first_messages: &[
            "Hi, it's {agent} with {company}. I saw you just requested a demo on our website — do you have two minutes to make sure we show you the right things?",
        ],
        playbook: &[
            (
                "Introduce",
                "Explain that you are following up on the demo request they just submitted.",
            ),
            (
                "Qualify",
                "Ask what they hope to solve, how many people would use it, and when they want to decide.",
            ),
            (
                "Book the demo",
                "For qualified leads, offer two demo slots this week and confirm one.",
            ),
            (
                "Disqualify politely",
                "For leads that are not a fit, thank them and offer to e-mail helpful resources.",
            ),
        ],
        knowledge: &[
            (
                "Demos",
                "Demos at {company} take 30 minutes over video and are tailored to the customer's team.",
            ),
            (
                "Onboarding",
                "Most customers are set up within a week; a dedicated onboarding specialist handles the setup.",
            ),
        ],
        transfer_conditions: "Transfer when the lead represents a team of more than 50 people.",
    },
];

/// Knowledge-base entries every agent gets.
const COMMON_KNOWLEDGE: &[(&str, &str)] = &[
    (
        "Business hours",
        "{company} is open Monday to Friday from 8 AM to 6 PM and Saturday from 9 AM to 1 PM, local time.",
    ),
    (
        "Recording notice",
        "Calls may be recorded for quality and training. If a caller objects, say that you will note their preference.",
    ),
    (
        "About the assistant",
        "{agent} is an AI assistant for {company}. If a caller asks, say so plainly and offer to arrange a call from a person.",
    ),
];

/// First names for agents: short, friendly and easy to hear on the phone.
const AGENT_NAMES: &[&str] = &[
    "Ava", "Leo", "Maya", "Noah", "Zoe", "Ethan", "Mia", "Liam", "Nora", "Owen", "Ivy", "Caleb",
    "Ruby", "Eli", "Hazel", "Miles", "Iris", "Jonah", "Lena", "Theo",
];

/// Opening sentences of an agent's soul.
const SOUL_TONES: &[&str] = &[
    "Warm, upbeat and concise.",
    "Calm, patient and reassuring.",
    "Friendly and professional, with a light touch of humour.",
    "Confident and direct, but never pushy.",
    "Empathetic and unhurried; callers should feel listened to.",
];

/// Middle sentences of an agent's soul.
const SOUL_STYLES: &[&str] = &[
    "Speaks in short sentences and mirrors the caller's pace.",
    "Avoids jargon and explains things the way a helpful neighbour would.",
    "Asks one question at a time and waits for the answer.",
    "Uses the caller's first name once or twice, never more.",
];

/// Closing sentences of an agent's soul.
const SOUL_RULES: &[&str] = &[
    "Always confirms names, dates and numbers back before ending the call.",
    "Never makes promises that are not in the knowledge base.",
    "If unsure, says so and offers to follow up rather than guessing.",
];

/// The speeds a seeded voice uses; each is an exact short decimal when serialised.
const SPEEDS: [f64; 3] = [0.9, 1.0, 1.1];

/// Replaces `{agent}` and `{company}` in a template.
fn fill(template: &str, agent: &str, company: &str) -> String {
    template
        .replace("{agent}", agent)
        .replace("{company}", company)
}

/// A complete agent profile for `company`: a role (inbound sales, appointment setter, support
/// triage, renewals, payment reminders, survey or lead qualification), an agent first name, a
/// soul, mission, playbook, knowledge base, first message, an English voice and, for about
/// two agents in three, live-transfer settings.
///
/// Only English voices are used because the texts (and the transcripts derived from them) are
/// English. Every text is clipped to its schema limit, so an oversized `company` still yields a
/// valid agent; an empty one reads as "our team".
pub(crate) fn agent_profile(rng: &mut Rng, company: &str) -> AgentProfile {
    let company = match clip(company.trim(), 80) {
        "" => "our team",
        c => c,
    };
    let role = ROLES.choose(rng).unwrap_or(&ROLES_FALLBACK);
    let agent = pick(rng, AGENT_NAMES, "Ava");
    let name = clipped(format!("{agent} — {}", role.label), 100);
    let soul = format!(
        "{} {} {}",
        pick(rng, SOUL_TONES, ""),
        pick(rng, SOUL_STYLES, ""),
        pick(rng, SOUL_RULES, "")
    );
    let mission = clipped(fill(role.mission, agent, company), 2_000);
    let first_message = clipped(
        fill(
            pick(
                rng,
                role.first_messages,
                "Hi, this is {agent} from {company}.",
            ),
            agent,
            company,
        ),
        1_000,
    );
    let playbook = role
        .playbook
        .iter()
        .take(50)
        .map(|(t, i)| {
            (
                clipped(fill(t, agent, company), 200),
                clipped(fill(i, agent, company), 4_000),
            )
        })
        .collect();
    let knowledge_base = role
        .knowledge
        .iter()
        .chain(COMMON_KNOWLEDGE)
        .take(100)
        .map(|(t, c)| {
            (
                clipped(fill(t, agent, company), 200),
                clipped(fill(c, agent, company), 20_000),
            )
        })
        .collect();
    let english: Vec<&VoiceSpec> = VOICES
        .iter()
        .filter(|v| v.language.starts_with("en-"))
        .collect();
    let voice = english.choose(rng).copied().unwrap_or(&VOICE_FALLBACK);
    let speed = SPEEDS.choose(rng).copied().unwrap_or(1.0);
    let transfer = rng.random_ratio(2, 3).then(|| {
        let us: Vec<&AreaCode> = AREA_CODES.iter().filter(|a| a.country == "US").collect();
        let area = us.choose(rng).map_or("415", |a| a.area_code);
        TransferProfile {
            phone_number: phone_in(rng, "US", area),
            mode: if rng.random_ratio(3, 4) {
                "warm"
            } else {
                "cold"
            },
            conditions: clipped(fill(role.transfer_conditions, agent, company), 1_000),
        }
    });
    AgentProfile {
        name,
        soul: clipped(soul, 4_000),
        mission,
        playbook,
        knowledge_base,
        first_message,
        voice_id: voice.voice_id,
        language: voice.language,
        speed,
        transfer,
    }
}

/// Used only if [`ROLES`] were empty.
const ROLES_FALLBACK: Role = Role {
    label: "Assistant",
    mission: "Help callers of {company}.",
    first_messages: &[],
    playbook: &[],
    knowledge: &[],
    transfer_conditions: "",
};

/// Used only if [`VOICES`] had no English voice.
const VOICE_FALLBACK: VoiceSpec = VoiceSpec {
    voice_id: "aria",
    language: "en-US",
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::Rng as _;

    fn is_voice_id(s: &str) -> bool {
        let b = s.as_bytes();
        (2..=40).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    }

    fn is_language(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 5
            && b[0].is_ascii_lowercase()
            && b[1].is_ascii_lowercase()
            && b[2] == b'-'
            && b[3].is_ascii_uppercase()
            && b[4].is_ascii_uppercase()
    }

    #[test]
    fn rng_for_is_stable_across_runs_and_machines() {
        // Golden values: if this fails, every seeded workspace changed. Only update the constants
        // together with a note in the changelog that seeded data differs.
        let mut rng = rng_for(42, "calls", 7);
        assert_eq!(rng.next_u64(), GOLDEN_RNG_42_CALLS_7);
        let mut rng = rng_for(0, "", 0);
        assert_eq!(rng.next_u64(), GOLDEN_RNG_0_EMPTY_0);
    }

    const GOLDEN_RNG_42_CALLS_7: u64 = 3_726_802_997_591_222_026;
    const GOLDEN_RNG_0_EMPTY_0: u64 = 0x0002_8a3c_e6d3_bb58;

    #[test]
    fn rng_for_separates_seeds_streams_and_indices() {
        let draw = |s, l, i| rng_for(s, l, i).next_u64();
        let base = draw(1, "agent", 0);
        assert_eq!(base, draw(1, "agent", 0));
        assert_ne!(base, draw(2, "agent", 0));
        assert_ne!(base, draw(1, "agents", 0));
        assert_ne!(base, draw(1, "agent", 1));
        // Swapping seed and index must not collide either.
        assert_ne!(draw(3, "x", 5), draw(5, "x", 3));
    }

    #[test]
    fn tables_are_non_empty_and_well_formed() {
        assert!(AREA_CODES.len() >= 15);
        for a in AREA_CODES {
            assert!(calling_code(a.country).is_some(), "{a:?}");
            assert!(!a.area_code.is_empty() && a.area_code.len() <= 5);
            assert!(a.area_code.bytes().all(|b| b.is_ascii_digit()));
            assert!(!a.locality.is_empty() && !a.region.is_empty());
        }
        assert!(AREA_CODES.iter().take_while(|a| a.country == "US").count() >= 10);
        for v in VOICES {
            assert!(is_voice_id(v.voice_id), "{v:?}");
            assert!(is_language(v.language), "{v:?}");
        }
        for table in [
            COMPANY_BRANDS,
            COMPANY_INDUSTRIES,
            AGENT_NAMES,
            SOUL_TONES,
            SOUL_STYLES,
            SOUL_RULES,
        ] {
            assert!(!table.is_empty());
        }
        for role in ROLES {
            assert!(!role.first_messages.is_empty() && !role.playbook.is_empty());
            for m in role.first_messages {
                assert!(m.contains("{agent}") && m.contains("{company}"), "{m}");
            }
        }
    }

    #[test]
    fn first_name_takes_the_first_word() {
        assert_eq!(first_name("Maria Lopez"), "Maria");
        assert_eq!(first_name("Ava — Inbound Sales"), "Ava");
        assert_eq!(first_name("  Chen, Wei"), "Wei");
        assert_eq!(first_name("Lopez,"), "Lopez");
        assert_eq!(first_name("Cher"), "Cher");
        assert_eq!(first_name("   "), "");
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("héllo", 2), "hé");
        assert_eq!(clip("abc", 10), "abc");
        assert_eq!(clipped("—".repeat(5), 3), "———");
    }

    #[test]
    fn person_names_are_two_plain_words() {
        for i in 0..500 {
            let name = person_name(&mut rng_for(7, "person", i));
            let words: Vec<&str> = name.split(' ').collect();
            assert_eq!(words.len(), 2, "{name}");
            assert!(words.iter().all(|w| !w.is_empty()), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\''),
                "{name}"
            );
        }
    }

    #[test]
    fn companies_look_like_businesses() {
        for i in 0..500 {
            let c = company(&mut rng_for(7, "company", i));
            assert!(!c.trim().is_empty() && c.len() <= 60, "{c}");
            assert_eq!(c, c.trim());
        }
    }

    #[test]
    fn emails_are_lowercase_ascii_and_valid() {
        for i in 0..500 {
            let mut rng = rng_for(9, "email", i);
            let name = person_name(&mut rng);
            let co = company(&mut rng);
            let email = email_for(&name, &co, &mut rng);
            assert!(
                email.is_ascii() && email == email.to_ascii_lowercase(),
                "{email}"
            );
            assert_eq!(crate::csv_import::check_email(&email), Ok(()), "{email}");
        }
        let mut rng = rng_for(1, "email", 0);
        for (name, co) in [
            ("", ""),
            ("Ñandú", "!!!"),
            ("O'Connell", "Inc LLC"),
            ("  ", "Ac me"),
        ] {
            let email = email_for(name, co, &mut rng);
            assert_eq!(crate::csv_import::check_email(&email), Ok(()), "{email}");
        }
        let email = email_for("Maria Lopez", "Acme Logistics", &mut rng_for(3, "e", 3));
        assert!(
            email.ends_with("@acmelogistics.com") || email.contains("@acmelogistics."),
            "{email}"
        );
    }

    #[test]
    fn north_american_numbers_have_a_valid_exchange() {
        for i in 0..2_000 {
            let p = phone_in(&mut rng_for(5, "phone", i), "US", "415");
            assert!(is_e164(&p), "{p}");
            assert_eq!(p.len(), 12, "{p}");
            assert!(p.starts_with("+1415"), "{p}");
            let nxx = &p[5..8];
            assert!(!nxx.starts_with('0') && !nxx.starts_with('1'), "{p}");
            assert!(!nxx.ends_with("11"), "{p}");
        }
    }

    #[test]
    fn british_numbers_have_ten_national_digits() {
        for (area, prefix) in [("20", "+4420"), ("161", "+44161"), ("0161", "+44161")] {
            let p = phone_in(&mut rng_for(5, "gb", 1), "GB", area);
            assert!(is_e164(&p), "{p}");
            assert!(p.starts_with(prefix), "{p}");
            assert_eq!(p.len(), 3 + 10, "{p}");
        }
    }

    #[test]
    fn bad_area_codes_and_countries_fall_back() {
        let mut rng = rng_for(5, "fallback", 0);
        assert!(phone_in(&mut rng, "US", "012").starts_with("+1415"));
        assert!(phone_in(&mut rng, "CA", "x").starts_with("+1416"));
        assert!(phone_in(&mut rng, "ZZ", "999").starts_with("+1999"));
        assert!(phone_in(&mut rng, "GB", "").starts_with("+4420"));
        assert!(phone_in(&mut rng, "de", "030").starts_with("+4930"));
    }

    #[test]
    fn agent_profiles_fit_the_agent_schema() {
        for i in 0..300 {
            let mut rng = rng_for(11, "agent", i);
            let co = company(&mut rng);
            let p = agent_profile(&mut rng, &co);
            assert_profile_fits(&p);
            let agent = first_name(&p.name);
            assert!(AGENT_NAMES.contains(&agent), "{}", p.name);
            assert!(p.first_message.contains(agent), "{}", p.first_message);
            assert!(p.first_message.contains(&co), "{}", p.first_message);
            assert!(p.language.starts_with("en-"));
        }
    }

    #[test]
    fn agent_profiles_survive_hostile_company_names() {
        for co in [
            "",
            "   ",
            &"X".repeat(10_000),
            &"é—".repeat(3_000),
            "{agent}{company}",
        ] {
            let p = agent_profile(&mut rng_for(1, "agent", 1), co);
            assert_profile_fits(&p);
        }
    }

    fn assert_profile_fits(p: &AgentProfile) {
        let n = |s: &str| s.chars().count();
        assert!((1..=100).contains(&n(&p.name)), "{}", p.name);
        assert!(n(&p.soul) <= 4_000);
        assert!(n(&p.mission) <= 2_000);
        assert!((1..=1_000).contains(&n(&p.first_message)));
        assert!(p.playbook.len() <= 50 && !p.playbook.is_empty());
        for (t, i) in &p.playbook {
            assert!((1..=200).contains(&n(t)) && (1..=4_000).contains(&n(i)));
        }
        assert!(p.knowledge_base.len() <= 100 && !p.knowledge_base.is_empty());
        for (t, c) in &p.knowledge_base {
            assert!((1..=200).contains(&n(t)) && (1..=20_000).contains(&n(c)));
        }
        assert!(is_voice_id(p.voice_id) && is_language(p.language));
        assert!(
            VOICES
                .iter()
                .any(|v| v.voice_id == p.voice_id && v.language == p.language)
        );
        assert!([0.9, 1.0, 1.1].contains(&p.speed));
        assert!(
            ["0.9", "1.0", "1.1"]
                .contains(&serde_json::to_string(&p.speed).unwrap_or_default().as_str())
        );
        if let Some(t) = &p.transfer {
            assert!(is_e164(&t.phone_number), "{}", t.phone_number);
            assert!(t.mode == "warm" || t.mode == "cold");
            assert!(n(&t.conditions) <= 1_000);
        }
    }

    #[test]
    fn profiles_vary_and_repeat() {
        let a = agent_profile(&mut rng_for(3, "agent", 0), "Acme Logistics");
        let b = agent_profile(&mut rng_for(3, "agent", 0), "Acme Logistics");
        assert_eq!(a, b);
        let roles: std::collections::BTreeSet<String> = (0..100)
            .map(|i| agent_profile(&mut rng_for(3, "agent", i), "Acme").name)
            .filter_map(|n| n.split(" — ").nth(1).map(str::to_owned))
            .collect();
        assert_eq!(roles.len(), ROLES.len(), "{roles:?}");
        let transfers = (0..300)
            .filter(|&i| {
                agent_profile(&mut rng_for(3, "agent", i), "Acme")
                    .transfer
                    .is_some()
            })
            .count();
        assert!((150..=250).contains(&transfers), "{transfers}");
    }

    #[test]
    fn generators_are_deterministic() {
        let run = |seed| {
            let mut rng = rng_for(seed, "det", 0);
            let name = person_name(&mut rng);
            let co = company(&mut rng);
            let email = email_for(&name, &co, &mut rng);
            let phone = phone_in(&mut rng, "US", "212");
            format!("{name}|{co}|{email}|{phone}")
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        // Golden: pins fake's tables and rand's sampling; see rng_for_is_stable_….
        assert_eq!(run(2024), GOLDEN_DET_2024);
    }

    const GOLDEN_DET_2024: &str =
        "Cydney Gaylord|Prohaska HVAC|cydney.gaylord@prohaskahvac.io|+12126323612";

    proptest! {
        #[test]
        fn phone_in_is_always_e164(seed in any::<u64>(), country in "[A-Za-z]{0,3}", area in "[0-9a-z]{0,7}") {
            let p = phone_in(&mut rng_for(seed, "p", 0), &country, &area);
            prop_assert!(is_e164(&p), "{} from {:?} {:?}", p, country, area);
        }

        #[test]
        fn phone_in_known_areas(seed in any::<u64>(), i in 0..AREA_CODES.len()) {
            let a = &AREA_CODES[i];
            let p = phone_in(&mut rng_for(seed, "p", 1), a.country, a.area_code);
            prop_assert!(is_e164(&p), "{}", p);
            let cc = calling_code(a.country).unwrap_or("?");
            let prefix = format!("+{cc}{}", a.area_code);
            prop_assert!(p.starts_with(&prefix), "{} {}", p, prefix);
        }

        #[test]
        fn email_for_is_valid_for_any_text(seed in any::<u64>(), name in "\\PC{0,40}", co in "\\PC{0,60}") {
            let e = email_for(&name, &co, &mut rng_for(seed, "e", 0));
            prop_assert_eq!(crate::csv_import::check_email(&e), Ok(()), "{}", e);
        }
    }
}
