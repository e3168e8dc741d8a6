//! Profiles: which bindings fail a run.
//!
//! Every finding carries the binding of the rule it breaks (spec/DECISIONS.md, "Bindings"). A
//! profile decides which of them are failures; everything else is a note, shown but never
//! failing the gate:
//!
//! | profile | fails on | notes |
//! |---|---|---|
//! | `page` (default) | page rules | contract and mock departures ("differs from the reference contract") |
//! | `contract` | page and contract rules | mock departures |
//! | `strict` | every rule, SHOULD checks included | none; what our own mock is held to |
//!
//! A SHOULD-level check is a note in the `page` and `contract` profiles; `strict` fails it too
//! (our mock has no findings at all, so anything it reports tells a variant apart).
//!
//! `certification` fails on what `page` fails on, and also on any MUST requirement that no case
//! exercised (see `requirements`); it runs every phase and check, the rate-limit suite
//! included. `certification-contract` (`--profile certification --require contract`) makes the
//! contract's decisions MUSTs too.

use serde::{Deserialize, Serialize};
use spec::Binding;

/// Which bindings fail a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Only what the reference page promises fails; the default against any target.
    #[default]
    Page,
    /// The page and our contract's decisions fail.
    Contract,
    /// Everything our mock is held to, mock-specific behaviour included.
    Strict,
    /// A partner certification: the page's promises are MUSTs, each of which must be tested.
    Certification,
    /// A certification against the full reference contract: its decisions are MUSTs too.
    #[serde(rename = "certification-contract")]
    CertificationContract,
}

impl Profile {
    /// Every profile, most lenient first.
    pub const ALL: [Profile; 3] = [Profile::Page, Profile::Contract, Profile::Strict];

    /// `page`, `contract`, `strict`, `certification` or `certification-contract`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Page => "page",
            Profile::Contract => "contract",
            Profile::Strict => "strict",
            Profile::Certification => "certification",
            Profile::CertificationContract => "certification-contract",
        }
    }

    /// Parses a profile name.
    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL
            .into_iter()
            .chain([Profile::Certification, Profile::CertificationContract])
            .find(|p| p.as_str() == s)
    }

    /// Whether a MUST rule of `binding` fails the run under this profile.
    pub fn holds(self, binding: Binding) -> bool {
        match self {
            Profile::Page | Profile::Certification => binding == Binding::Page,
            Profile::Contract | Profile::CertificationContract => binding != Binding::Mock,
            Profile::Strict => true,
        }
    }

    /// Whether this is a certification, whose untested MUST requirements fail it.
    pub fn is_certification(self) -> bool {
        matches!(
            self,
            Profile::Certification | Profile::CertificationContract
        )
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_profile_holds_its_bindings_and_the_stronger_ones() {
        let table: Vec<(Profile, Vec<bool>)> = Profile::ALL
            .iter()
            .map(|p| (*p, Binding::ALL.iter().map(|b| p.holds(*b)).collect()))
            .collect();
        assert_eq!(
            table,
            vec![
                (Profile::Page, vec![true, false, false]),
                (Profile::Contract, vec![true, true, false]),
                (Profile::Strict, vec![true, true, true]),
            ]
        );
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.as_str()), Some(p));
        }
        assert_eq!(Profile::parse("lenient"), None);
        assert_eq!(
            Profile::parse("certification"),
            Some(Profile::Certification)
        );
        assert!(Profile::Certification.holds(Binding::Page));
        assert!(!Profile::Certification.holds(Binding::Contract));
        assert!(Profile::CertificationContract.holds(Binding::Contract));
        assert!(!Profile::CertificationContract.holds(Binding::Mock));
        assert_eq!(Profile::default(), Profile::Page);
    }
}
