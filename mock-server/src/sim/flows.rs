//! What the simulation does over time: call steps, campaigns, triggered events.

use serde_json::Value;

use super::Env;
use super::lifecycle::CallStep;
use super::{Emitted, Job, Sim, SimError, campaigns, events, lifecycle, now_whole_ms};
use crate::store::Workspace;
use crate::store::ids::Kind;

impl Sim {
    pub(super) fn call_step(
        &self,
        app: &Env<'_>,
        key: &str,
        seq: u32,
        step: CallStep,
        due_ms: i64,
    ) {
        let Some(ws) = app.store.existing(key) else {
            return;
        };
        let mut ws = ws.write();
        let at_s = due_ms.div_euclid(1000);
        let Some((event, next)) = lifecycle::apply(&mut ws, seq, step, at_s) else {
            return;
        };
        let data = events::call_data(&ws, seq);
        let call_id = ws.id(Kind::Call, seq).to_string();
        self.emit(app, &ws, event, data, due_ms, Some(call_id));
        if let Some((at, step)) = next {
            self.push(
                at * 1000,
                Job::Call {
                    key: key.to_owned(),
                    seq,
                    step,
                },
            );
        }
    }

    /// Starts a simulated call in `key`'s workspace (`POST /_mock/calls`); returns its slot.
    pub(crate) fn start_call(
        &self,
        app: &Env<'_>,
        ws: &mut Workspace,
        req: &lifecycle::CallRequest,
    ) -> Result<u32, SimError> {
        let planned = lifecycle::plan(ws, req)?;
        Ok(self.place_call(app, ws, &planned, now_whole_ms(app)))
    }

    pub(super) fn place_call(
        &self,
        app: &Env<'_>,
        ws: &mut Workspace,
        planned: &lifecycle::Planned,
        now_ms: i64,
    ) -> u32 {
        // Every time of a call is a whole second (the wire has second precision), and its
        // events and steps must agree on them, or a step due at the floored second could run
        // before the queued event due a few milliseconds later.
        let now_s = now_ms.div_euclid(1000);
        let seq = lifecycle::insert(ws, planned, now_s);
        let data = events::call_data(ws, seq);
        let call_id = ws.id(Kind::Call, seq).to_string();
        self.emit(
            app,
            ws,
            lifecycle::QUEUED,
            data,
            now_s * 1000,
            Some(call_id),
        );
        self.push(
            (now_s + i64::from(planned.ring_sec)) * 1000,
            Job::Call {
                key: ws.key.clone(),
                seq,
                step: planned.first,
            },
        );
        seq
    }

    /// Starts a campaign (`POST /_mock/campaigns`); returns its slot.
    pub(crate) fn start_campaign(
        &self,
        app: &Env<'_>,
        ws: &Workspace,
        req: &campaigns::CampaignRequest,
    ) -> Result<u32, SimError> {
        let now = now_whole_ms(app);
        let seq = {
            let st = self.state.lock();
            st.counters.get(&ws.key).map_or(0, |c| c.campaigns)
        };
        let campaign = campaigns::plan(ws, req, seq, &ws.key, now)?;
        let data = events::campaign_data(&campaign, ws);
        {
            let mut st = self.state.lock();
            st.counters.entry(ws.key.clone()).or_default().campaigns += 1;
            st.campaigns.push(campaign);
        }
        self.emit(app, ws, "campaign.started", data, now, None);
        self.push(
            now,
            Job::Campaign {
                key: ws.key.clone(),
                seq,
            },
        );
        Ok(seq)
    }

    pub(super) fn campaign_step(&self, app: &Env<'_>, key: &str, seq: u32, due_ms: i64) {
        let Some(ws) = app.store.existing(key) else {
            return;
        };
        let mut ws = ws.write();
        let at_s = due_ms.div_euclid(1000);
        let (decision, campaign) = {
            let mut st = self.state.lock();
            let Some(c) = st
                .campaigns
                .iter_mut()
                .find(|c| c.key == key && c.seq == seq)
            else {
                return;
            };
            if c.status != campaigns::Status::Running {
                return;
            }
            (campaigns::step(c, &ws, at_s), c.clone())
        };
        match decision {
            campaigns::Step::Completed => {}
            campaigns::Step::Paused => {
                let data = events::campaign_data(&campaign, &ws);
                self.emit(app, &ws, "campaign.compliance_paused", data, due_ms, None);
            }
            campaigns::Step::Call(contact) => {
                let req = lifecycle::CallRequest {
                    contact_id: Some(ws.id(Kind::Contact, contact).to_string()),
                    agent_id: Some(ws.id(Kind::Agent, campaign.agent).to_string()),
                    phone_number_id: campaign
                        .number
                        .map(|n| ws.id(Kind::PhoneNumber, n).to_string()),
                    duration_sec: Some(campaign.duration_sec.unwrap_or_else(|| {
                        // Talk times vary per contact, deterministically.
                        30 + (crate::determinism::mix(ws.seed, u64::from(contact)) % 240) as u32
                    })),
                    ..Default::default()
                };
                match lifecycle::plan(&ws, &req) {
                    Ok(planned) => {
                        let call = self.place_call(app, &mut ws, &planned, due_ms);
                        let mut st = self.state.lock();
                        if let Some(c) = st
                            .campaigns
                            .iter_mut()
                            .find(|c| c.key == key && c.seq == seq)
                        {
                            c.calls.push(call);
                        }
                    }
                    Err(e) => {
                        // The agent was deleted mid-campaign, say: the campaign ends.
                        tracing::warn!(target: "vici_mock::campaigns", campaign = seq, reason = %e.reason, "campaign stopped");
                        let mut st = self.state.lock();
                        if let Some(c) = st
                            .campaigns
                            .iter_mut()
                            .find(|c| c.key == key && c.seq == seq)
                        {
                            c.status = campaigns::Status::Completed;
                        }
                        return;
                    }
                }
                self.push(
                    due_ms + i64::from(campaign.spacing_sec) * 1000,
                    Job::Campaign {
                        key: key.to_owned(),
                        seq,
                    },
                );
            }
        }
    }

    /// Resumes a paused campaign.
    pub(crate) fn resume_campaign(
        &self,
        app: &Env<'_>,
        key: &str,
        seq: u32,
    ) -> Result<(), SimError> {
        let mut st = self.state.lock();
        let c = st
            .campaigns
            .iter_mut()
            .find(|c| c.key == key && c.seq == seq)
            .ok_or_else(|| SimError::NotFound("no such campaign in this workspace".into()))?;
        if !campaigns::resume(c) {
            return Err(SimError::Conflict(format!(
                "the campaign is {}, not compliance_paused",
                c.status.as_str()
            )));
        }
        st.schedule.push(
            now_whole_ms(app),
            Job::Campaign {
                key: key.to_owned(),
                seq,
            },
        );
        drop(st);
        self.wake.notify_one();
        Ok(())
    }

    /// The campaigns of `key`, as the control API shows them.
    pub(crate) fn campaigns_view(&self, ws: &Workspace, seq: Option<u32>) -> Vec<Value> {
        let st = self.state.lock();
        st.campaigns
            .iter()
            .filter(|c| c.key == ws.key && seq.is_none_or(|s| s == c.seq))
            .map(|c| campaigns::control_view(c, ws))
            .collect()
    }

    /// Emits any event type with sample data and overrides (`POST /_mock/events`).
    pub(crate) fn trigger(
        &self,
        app: &Env<'_>,
        ws: &Workspace,
        req: events::TriggerRequest,
    ) -> Result<Emitted, SimError> {
        let event_type = req.event_type.as_deref().unwrap_or_default();
        let Some(hook) = app.contract.webhook(event_type) else {
            return Err(SimError::Invalid {
                field: "type",
                reason: format!(
                    "'{event_type}' is not an event type of the contract ({})",
                    app.contract
                        .webhooks()
                        .iter()
                        .map(|w| w.event_type.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        let now = now_whole_ms(app);
        let campaign_seq = {
            let mut st = self.state.lock();
            let c = st.counters.entry(ws.key.clone()).or_default();
            // A triggered campaign event names a campaign id of its own.
            let s = c.campaigns;
            if event_type.starts_with("campaign.") {
                c.campaigns += 1;
            }
            s
        };
        let mut data =
            events::sample_data(ws, event_type, req.call_id.as_deref(), campaign_seq, now)
                .map_err(|(field, reason)| SimError::Invalid { field, reason })?;
        if let Some(over) = req.data {
            if !over.is_object() {
                return Err(SimError::Invalid {
                    field: "data",
                    reason: "must be an object (merged into the event's data)".into(),
                });
            }
            events::merge(&mut data, over);
        }
        if req.validate.unwrap_or(true) {
            let probe = events::payload(
                ws.id(Kind::Event, 0).as_str(),
                event_type,
                now,
                data.clone(),
            );
            let violations = hook.payload.validator.violations(&probe);
            if let Some(v) = violations.first() {
                return Err(SimError::Invalid {
                    field: "data",
                    reason: format!(
                        "the payload would not match the contract's {event_type} schema at '{}': {} (send \"validate\": false to emit it anyway)",
                        v.instance_pointer, v.message
                    ),
                });
            }
        }
        let call_id = data
            .pointer("/call/id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(self.emit(app, ws, event_type, data, now, call_id))
    }
}
