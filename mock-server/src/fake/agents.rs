//! Agent profiles: names, roles, souls, missions, playbooks, knowledge, voices and transfers,
//! each clipped to the `Agent` schema's limits (D-AGENTS).

use rand::RngExt as _;
use rand::seq::IndexedRandom as _;

use super::Rng;
use super::area_codes::{AREA_CODES, AreaCode};
use super::phones::phone_in;
use super::text::{clip, clipped, pick};
use super::voices::{VOICE_FALLBACK, VOICES, VoiceSpec};

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
pub(super) struct Role {
    label: &'static str,
    mission: &'static str,
    pub(super) first_messages: &'static [&'static str],
    pub(super) playbook: &'static [(&'static str, &'static str)],
    knowledge: &'static [(&'static str, &'static str)],
    transfer_conditions: &'static str,
}

/// The roles agents are drawn from. The missions use the words the transcript generator keys
/// its conversation themes on (`appointment`, `support`, `renew`, `overdue`, `survey`).
pub(super) const ROLES: &[Role] = &[
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
pub(super) const AGENT_NAMES: &[&str] = &[
    "Ava", "Leo", "Maya", "Noah", "Zoe", "Ethan", "Mia", "Liam", "Nora", "Owen", "Ivy", "Caleb",
    "Ruby", "Eli", "Hazel", "Miles", "Iris", "Jonah", "Lena", "Theo",
];

/// Opening sentences of an agent's soul.
pub(super) const SOUL_TONES: &[&str] = &[
    "Warm, upbeat and concise.",
    "Calm, patient and reassuring.",
    "Friendly and professional, with a light touch of humour.",
    "Confident and direct, but never pushy.",
    "Empathetic and unhurried; callers should feel listened to.",
];

/// Middle sentences of an agent's soul.
pub(super) const SOUL_STYLES: &[&str] = &[
    "Speaks in short sentences and mirrors the caller's pace.",
    "Avoids jargon and explains things the way a helpful neighbour would.",
    "Asks one question at a time and waits for the answer.",
    "Uses the caller's first name once or twice, never more.",
];

/// Closing sentences of an agent's soul.
pub(super) const SOUL_RULES: &[&str] = &[
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
