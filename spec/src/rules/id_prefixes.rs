//! The prefix of each kind of id (spec/DECISIONS.md D-IDS).
//!
//! Ids are opaque prefixed strings: the prefix, then 8 to 40 letters and digits. The prefixes
//! are bound `mock` (a real server is only held to ids being strings), but the runner needs them
//! to make up a well-formed id that names nothing, and it must make up the ids the mock would
//! mint, so both take them from here. Each id schema of the contract (`CallId`, `AgentId`, …)
//! carries the same prefix in its `pattern`; a test checks they agree.

/// Calls (`CallId`).
pub const CALL: &str = "call_";
/// Agents (`AgentId`).
pub const AGENT: &str = "agt_";
/// Phone numbers (`PhoneNumberId`).
pub const PHONE_NUMBER: &str = "pn_";
/// Contacts (`ContactId`).
pub const CONTACT: &str = "ct_";
/// Contact lists (`ContactListId`).
pub const CONTACT_LIST: &str = "cl_";
/// Webhook events (`EventId`).
pub const EVENT: &str = "evt_";
/// Campaigns (`CampaignId`); the page names none, D-IDS chose one for their event payloads.
pub const CAMPAIGN: &str = "cmp_";

/// Every prefix with the contract schema of its ids.
pub const ALL: &[(&str, &str)] = &[
    ("CallId", CALL),
    ("AgentId", AGENT),
    ("PhoneNumberId", PHONE_NUMBER),
    ("ContactId", CONTACT),
    ("ContactListId", CONTACT_LIST),
    ("EventId", EVENT),
    ("CampaignId", CAMPAIGN),
];

/// The length of the longest prefix, for buffers that hold an id.
pub const MAX_LEN: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < ALL.len() {
        if ALL[i].1.len() > max {
            max = ALL[i].1.len();
        }
        i += 1;
    }
    max
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Contract;

    #[test]
    fn every_id_schema_carries_its_prefix() {
        let contract = Contract::v1();
        for (schema, prefix) in ALL {
            let s = contract
                .schema(schema)
                .unwrap_or_else(|| panic!("no schema {schema}"));
            assert_eq!(
                s["pattern"].as_str(),
                Some(format!("^{prefix}[A-Za-z0-9]{{8,40}}$").as_str()),
                "{schema}"
            );
        }
    }

    #[test]
    fn prefixes_are_distinct_and_none_is_the_start_of_another() {
        for (a, pa) in ALL {
            assert!(pa.ends_with('_'), "{a}");
            for (b, pb) in ALL {
                assert!(a == b || !pb.starts_with(pa), "{a} {b}");
            }
        }
        assert_eq!(MAX_LEN, 5);
    }
}
