//! People, companies and their e-mail addresses.

use fake::Fake as _;
use fake::faker::company::en::CompanyName;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt as _;

use super::Rng;
use super::text::{clip, clipped, pick};

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
pub(super) const COMPANY_BRANDS: &[&str] = &[
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
pub(super) const COMPANY_INDUSTRIES: &[&str] = &[
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
