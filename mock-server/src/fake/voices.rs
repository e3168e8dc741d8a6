//! The voice catalogue agents are given voices from.

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

/// Used only if [`VOICES`] had no English voice.
pub(super) const VOICE_FALLBACK: VoiceSpec = VoiceSpec {
    voice_id: "aria",
    language: "en-US",
};
