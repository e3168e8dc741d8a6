//! The phrase tables of call transcripts: one [`Script`] per theme (sales, appointments,
//! support, renewals, payments, surveys) and the lines shared by every theme. Pure data, kept
//! apart from the generator in `transcript.rs` so that wording can be edited without reading the
//! code; `{agent}`, `{company}`, `{contact}`, `{,contact}`, `{day}`, `{time}`, `{amount}`
//! and `{ticket}` are filled in there (`Vars::render`).

/// The template lines of one theme.
pub(super) struct Script {
    /// Agent, outbound: why the agent is calling (after the contact's greeting).
    pub(super) reason_out: &'static [&'static str],
    /// Contact, inbound: why they are calling (after the agent's opening).
    pub(super) reason_in: &'static [&'static str],
    /// Agent, inbound: the response to `reason_in`.
    pub(super) ack_in: &'static [&'static str],
    /// `(contact, agent)` question-and-answer topics.
    pub(super) topics: &'static [(&'static str, &'static str)],
    /// Whether the topics follow on from each other (troubleshooting steps, survey questions)
    /// and so always start with the first.
    pub(super) ordered: bool,
    /// Closing slots, alternating contact, agent, …, contact; one line is drawn per slot.
    pub(super) ending: &'static [&'static [&'static str]],
}

pub(super) const DEFAULT_OPENING: &str =
    "Hi, this is {agent} from {company}. How can I help you today?";

pub(super) const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
pub(super) const TIMES: &[&str] = &["9:30 AM", "10 AM", "11:15 AM", "1 PM", "2:30 PM", "4 PM"];

/// A contact's only line on a call under ten seconds.
pub(super) const HANG_UPS: &[&str] = &[
    "Sorry, wrong number.",
    "Not interested, thanks.",
    "Can't talk right now.",
    "Hello? Hello?",
];

pub(super) const GREET_NAMED: &[&str] = &[
    "Hi, yes, this is {contact}. What's this about?",
    "Oh, hi. Sure, I have a couple of minutes.",
    "Hello? Yes, this is {contact} — I can talk for a bit.",
];

pub(super) const GREET: &[&str] = &[
    "Hi, yes. What's this about?",
    "Oh, hi. Sure, I have a couple of minutes.",
    "Hello? Yes, I can talk for a bit.",
];

pub(super) const WRAP_CONTACT: &[&str] = &[
    "Could you just email me the details? I need to run.",
    "I have to jump on another call. Can you send me something in writing?",
];

pub(super) const WRAP_AGENT: &[&str] = &[
    "Of course. I'll email everything over today. Thanks{,contact}, talk soon!",
    "Absolutely, I'll send it right after this call. Have a great day{,contact}!",
];

pub(super) const BRUSH_OFF_OUTBOUND: &[&str] = &[
    "Sorry, now isn't a good time. Can you call back later?",
    "I'm not interested, thanks.",
    "I'm driving right now, sorry.",
];

pub(super) const WRONG_NUMBER_INBOUND: &[&str] = &[
    "Oh, sorry, I think I dialed the wrong number.",
    "Sorry, I meant to call someone else.",
];

pub(super) const BRUSH_OFF_AGENT: &[&str] = &[
    "No problem at all. Thanks for your time{,contact}, and have a good day.",
    "Of course, sorry to bother you. Have a great day!",
    "No worries at all. Take care!",
];

pub(super) const CONTACT_PREFIXES: &[&str] = &[
    "Okay. ",
    "Got it. ",
    "Right. ",
    "Thanks. ",
    "One more question. ",
];
pub(super) const AGENT_PREFIXES: &[&str] = &[
    "Sure. ",
    "Good question. ",
    "Of course. ",
    "Happy to explain. ",
];

/// Topics any call can touch on.
pub(super) const GENERIC_TOPICS: &[(&str, &str)] = &[
    (
        "Sorry, you cut out for a second there.",
        "No problem. Can you hear me okay now? I'll go over that again more slowly.",
    ),
    (
        "Is this call being recorded?",
        "Yes, calls may be recorded for quality and training. Just let me know if you'd prefer it not to be.",
    ),
    (
        "Am I talking to a real person?",
        "I'm an AI assistant for {company}. I can help with most things, and I can bring in someone from the team whenever you like.",
    ),
    (
        "Can you text me that information?",
        "Absolutely. I'll send it to this number as soon as we hang up.",
    ),
    (
        "What are your hours, by the way?",
        "We're open Monday to Friday from 8 AM to 6 PM, and Saturday mornings too.",
    ),
];

pub(super) const SALES: Script = Script {
    reason_out: &[
        "Great{,contact}. I'm calling because you asked about pricing on the {company} website. Is that still something you're looking into?",
        "Thanks{,contact}. I'm following up on your enquiry with {company} last week. Do you have a couple of minutes to talk about what you need?",
    ],
    reason_in: &[
        "I saw your ad and wanted to know a bit more about what {company} offers.",
        "I'm shopping around and wanted to get a quote.",
    ],
    ack_in: &[
        "Happy to help{,contact}. Can you tell me a little about what you're looking for?",
        "Absolutely. So I can point you in the right direction, what prompted you to reach out today?",
    ],
    topics: &[
        (
            "How much does it usually cost?",
            "It depends on the package, but most customers start with our standard plan at $49 a month, and there's no setup fee.",
        ),
        (
            "Do you have any reviews or references?",
            "We do. We have over 400 five-star reviews, and I can text you a few case studies from customers like you.",
        ),
        (
            "How long does it take to get started?",
            "Most customers are up and running within a week. Our onboarding team handles the setup with you.",
        ),
        (
            "Is there a contract?",
            "No long-term contract. You can go month to month, or save 15 percent with an annual plan.",
        ),
        (
            "What makes you different from the others I've talked to?",
            "Mostly the service. You get a dedicated account manager, and our support line answers in under a minute on average.",
        ),
        (
            "Can I try it first?",
            "Yes, there's a 14-day trial, and you don't need a credit card to start it.",
        ),
    ],
    ordered: false,
    ending: &[
        &[
            "Honestly, it sounds good, but I'm not sure it's in the budget right now.",
            "I need to think about it and talk to my partner first.",
        ],
        &[
            "I completely understand. Most of our customers felt the same at first, and they found it paid for itself within a couple of months. Would it help to walk through the numbers with one of our specialists?",
            "That makes sense, it's a real decision. Would a short call with a specialist help, so you both have the numbers in front of you?",
        ],
        &[
            "Sure, that would be helpful.",
            "Okay, that sounds reasonable.",
        ],
        &["Great. I have {day} at {time} open. Would that work for you?"],
        &["{day} at {time} is fine.", "Yes, {day} works."],
        &[
            "Perfect, you're booked for {day} at {time}. You'll get a confirmation by text and email. Thanks so much{,contact}, have a great day!",
        ],
        &["Thanks, you too. Bye.", "Great, thank you. Bye!"],
    ],
};

pub(super) const APPOINTMENT: Script = Script {
    reason_out: &[
        "Great{,contact}. I'm calling because you asked for a free consultation on our website, and I'd love to get that booked for you.",
        "Thanks{,contact}. You recently requested an estimate from {company}, and I'm calling to find a time for the visit.",
    ],
    reason_in: &[
        "I'd like to book an appointment.",
        "I need to reschedule my appointment, if that's possible.",
    ],
    ack_in: &[
        "Of course{,contact}, I can help with that. Let me check the calendar.",
        "Sure thing. Let me pull up the schedule for you.",
    ],
    topics: &[
        (
            "How long does the appointment take?",
            "Usually about 30 minutes. The specialist will go through everything with you and answer any questions.",
        ),
        (
            "Do I need to bring anything?",
            "Just a photo ID and any paperwork you already have. We'll send a checklist with your confirmation.",
        ),
        (
            "Is it in person or over the phone?",
            "Whichever you prefer. We have in-person visits at our office and video calls too.",
        ),
        (
            "Is there a cost for the consultation?",
            "No, the first consultation is completely free, with no obligation.",
        ),
        (
            "Where is your office?",
            "We're downtown, right next to the main library, and there's free parking behind the building.",
        ),
        (
            "What if I need to cancel?",
            "No problem at all. Just let us know 24 hours ahead and we'll find another time.",
        ),
    ],
    ordered: false,
    ending: &[
        &[
            "I'm pretty busy this week, though.",
            "My schedule is a bit all over the place.",
        ],
        &[
            "I understand. We have early morning and evening slots too. How about {day} at {time}?",
            "No problem, we're flexible. Would {day} at {time} work?",
        ],
        &[
            "Hmm, {day} at {time} could work.",
            "Yes, {day} at {time} works.",
        ],
        &[
            "Great, I'll put you down for {day} at {time}. Can I send the confirmation to this number by text?",
        ],
        &["Yes, that's fine.", "Sure, text is best."],
        &[
            "Done. You'll get a text in a moment with the details. Thanks{,contact}, and have a great day!",
        ],
        &["Thanks, bye.", "Thank you, bye!"],
    ],
};

pub(super) const SUPPORT: Script = Script {
    reason_out: &[
        "Thanks{,contact}. I'm calling about the support request you opened yesterday. Is the issue still happening?",
    ],
    reason_in: &[
        "I'm having trouble logging into my account.",
        "The service stopped working this morning and I'm not sure why.",
        "My last invoice looks wrong, and I was hoping you could take a look.",
    ],
    ack_in: &[
        "I'm sorry about that{,contact}. Let's get it sorted out. Can you confirm the email address on your account?",
        "Thanks for letting us know. I'll look into it right away. Can I get your account number or the email you signed up with?",
    ],
    topics: &[
        (
            "It's the one ending in 4471, I think.",
            "Got it, I found your account. I can see what happened, so let me walk you through the fix.",
        ),
        (
            "I already tried restarting it.",
            "That's a good first step. Next, could you check whether the status light is green or orange?",
        ),
        (
            "It's orange.",
            "Okay, that tells me the connection dropped. Please hold the reset button for ten seconds, then wait a minute for it to come back on.",
        ),
        (
            "Okay, it's green now.",
            "Great, that means it's reconnected. Can you try logging in again for me?",
        ),
        (
            "Will this happen again?",
            "It shouldn't. We pushed a fix last night, and I've added a note to your account so the team can keep an eye on it.",
        ),
        (
            "Can you send me a summary of this?",
            "Of course. I'll email you a summary with the steps we took and your ticket number.",
        ),
    ],
    ordered: true,
    ending: &[
        &[
            "Honestly, this is the second time this month, and it's frustrating.",
            "I just need this to work. I rely on it every day.",
        ],
        &[
            "I completely understand, and I'm sorry for the hassle. I've applied a credit to your next bill and flagged your account for a specialist.",
        ],
        &["Okay, I appreciate that.", "Thanks, that helps."],
        &[
            "A specialist will call you on {day} before {time} to make sure everything's working. Your ticket number is {ticket}.",
        ],
        &["Great, thank you.", "Perfect, thanks."],
        &[
            "You're welcome{,contact}. Thanks for calling {company}, and have a good rest of your day!",
        ],
        &["You too, bye.", "Thanks, bye."],
    ],
};

pub(super) const RENEWAL: Script = Script {
    reason_out: &[
        "Thanks{,contact}. Your plan with {company} renews at the end of the month, and I wanted to check in before it does. How has everything been going?",
    ],
    reason_in: &["I got an email saying my plan is about to renew, and I had a few questions."],
    ack_in: &["Sure{,contact}, happy to go over it. I have your account up now."],
    topics: &[
        (
            "It's been fine overall. Is the price changing?",
            "Your rate stays the same if you renew this month. After that, the new list price would apply.",
        ),
        (
            "What's included in the annual plan?",
            "Everything in your current plan plus priority support, and it works out to two months free compared with paying monthly.",
        ),
        (
            "Can I change plans later?",
            "Yes, you can upgrade anytime, and we prorate the difference.",
        ),
        (
            "Do I need to do anything to renew?",
            "Not at all. If you'd like to stay on your current plan, it renews automatically with the card on file.",
        ),
        (
            "We might need more seats next quarter.",
            "That's easy to add. Each extra seat is prorated, so you only pay for the time you use it.",
        ),
    ],
    ordered: false,
    ending: &[
        &["I'll be honest, I've been looking at a cheaper option."],
        &[
            "I appreciate you telling me. If you switch to the annual plan today, I can lock in a 15 percent discount, which usually beats the alternatives.",
        ],
        &[
            "Okay, that's actually pretty good.",
            "Hmm, that does change things.",
        ],
        &["Great. Should I switch you to the annual plan starting {day}, using the card on file?"],
        &["Yes, let's do that.", "Sure, go ahead."],
        &[
            "Done. You'll get a confirmation email shortly. Thanks for staying with {company}{,contact}!",
        ],
        &["Thanks, bye.", "Thank you. Bye!"],
    ],
};

pub(super) const PAYMENT: Script = Script {
    reason_out: &[
        "Thanks{,contact}. I'm calling about a balance of {amount} on your account that was due last week. I wanted to see if I could help you take care of it.",
    ],
    reason_in: &["I got a letter about a late payment and wanted to sort it out."],
    ack_in: &[
        "Thanks for calling about that{,contact}. I can see a balance of {amount} on the account. Let's take a look together.",
    ],
    topics: &[
        (
            "I thought I already paid that.",
            "I understand. I don't see a payment after the 1st, but if you paid in the last couple of days it may still be processing.",
        ),
        (
            "Can I pay part of it now?",
            "Yes, you can make a partial payment today, and we can schedule the rest.",
        ),
        (
            "Are there any late fees?",
            "There's no late fee if the balance is settled or a plan is set up within the next ten days.",
        ),
        (
            "What payment methods do you take?",
            "We accept cards, bank transfers and checks. Paying by card over the phone is the quickest.",
        ),
    ],
    ordered: false,
    ending: &[
        &["Money is a bit tight this month, to be honest."],
        &[
            "I completely understand, and there's no pressure. We can split the balance into two or three payments if that's easier.",
        ],
        &["Two payments would help.", "That would really help."],
        &[
            "Okay. I can set up the first payment for {day} and the second two weeks later. Does that work?",
        ],
        &["Yes, that works.", "Yes, thank you."],
        &[
            "All set. You'll get a confirmation with both dates. Thank you{,contact}, I appreciate you working with us.",
        ],
        &["Thanks. Bye.", "Okay, bye."],
    ],
};

pub(super) const SURVEY: Script = Script {
    reason_out: &[
        "Thanks{,contact}! It's just three quick questions about your recent experience with {company}. First, on a scale of 1 to 10, how likely are you to recommend us to a friend?",
    ],
    reason_in: &["I got a text asking me to call about a survey."],
    ack_in: &[
        "Thanks for calling in{,contact}! It's just three quick questions. First, on a scale of 1 to 10, how likely are you to recommend {company} to a friend?",
    ],
    topics: &[
        (
            "I'd say an eight.",
            "Thank you! What's the main reason for your score?",
        ),
        (
            "The staff were friendly, but the wait was a bit long.",
            "That's really helpful, thank you. I'll pass that on to the team.",
        ),
        (
            "Everything was on time and easy.",
            "Great to hear. Is there anything we could have done better?",
        ),
        (
            "Maybe send a reminder the day before.",
            "Good idea. I've noted that down.",
        ),
        (
            "Will my answers be anonymous?",
            "Yes, your answers are only used in aggregate to improve our service.",
        ),
    ],
    ordered: true,
    ending: &[
        &["Is this going to take much longer? I'm a bit short on time."],
        &[
            "Not at all, this is the last question. Would you be open to a short follow-up call from our customer team?",
        ],
        &["Sure, that's fine.", "I suppose so."],
        &["Great. They'll reach out on {day} around {time}."],
        &["Okay, sounds good."],
        &["Thank you so much for your feedback{,contact}. Have a wonderful day!"],
        &["You too, bye.", "Bye now."],
    ],
};
