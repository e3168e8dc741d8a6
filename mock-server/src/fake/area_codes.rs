//! The places the mock has phone numbers in: countries, area codes, cities, and the countries'
//! calling codes.

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
