//! The webhook endpoints of each workspace (and of the command line): add, change, remove, list.

use serde::Deserialize;

use super::endpoints::{self, Endpoint};
use super::{Sim, SimError};

/// A new endpoint's settings (control API and settings page).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EndpointRequest {
    pub(crate) key: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) secret: Option<String>,
    pub(crate) events: Option<Vec<String>>,
    pub(crate) enabled: Option<bool>,
}

impl Sim {
    /// The endpoints `key` sees (all with `None`).
    pub(crate) fn endpoints(&self, key: Option<&str>) -> Vec<Endpoint> {
        self.state
            .lock()
            .endpoints
            .iter()
            .filter(|e| e.visible_to(key))
            .cloned()
            .collect()
    }

    /// Adds an endpoint to `key`'s workspace.
    pub(crate) fn add_endpoint(
        &self,
        key: &str,
        req: &EndpointRequest,
        now_ms: i64,
    ) -> Result<Endpoint, SimError> {
        let url = req.url.as_deref().ok_or(SimError::Invalid {
            field: "url",
            reason: "required".into(),
        })?;
        endpoints::check_url(url)?;
        let events = endpoints::check_events(req.events.as_deref().unwrap_or(&[]))?;
        if let Some(s) = &req.secret {
            endpoints::check_secret(s)?;
        }
        // Ids and default secrets are the workspace's own (its tag, its seed, its count), so
        // one key's endpoints never change another's.
        let (ws_seed, tag) = crate::store::seed::identity(self.settings.seed, key);
        let mut st = self.state.lock();
        let counters = st.counters.entry(key.to_owned()).or_default();
        counters.endpoints += 1;
        let n = counters.endpoints;
        let secret = req.secret.clone().unwrap_or_else(|| {
            format!(
                "whsec_{:016x}",
                crate::determinism::draw(ws_seed, "webhook endpoint secret", u64::from(n))
            )
        });
        let ep = Endpoint {
            id: format!("whk_{tag}{n:06}"),
            key: Some(key.to_owned()),
            url: url.to_owned(),
            secret,
            events,
            enabled: req.enabled.unwrap_or(true),
            created_ms: now_ms,
        };
        st.endpoints.push(ep.clone());
        Ok(ep)
    }

    /// Changes an endpoint of `key` (only the fields given).
    pub(crate) fn update_endpoint(
        &self,
        key: Option<&str>,
        id: &str,
        req: &EndpointRequest,
    ) -> Result<Endpoint, SimError> {
        if let Some(url) = &req.url {
            endpoints::check_url(url)?;
        }
        if let Some(secret) = &req.secret {
            endpoints::check_secret(secret)?;
        }
        let events = req
            .events
            .as_deref()
            .map(endpoints::check_events)
            .transpose()?;
        let mut st = self.state.lock();
        let ep = find_managed(&mut st.endpoints, key, id)?;
        if let Some(url) = &req.url {
            ep.url = url.clone();
        }
        if let Some(secret) = &req.secret {
            ep.secret = secret.clone();
        }
        if let Some(events) = events {
            ep.events = events;
        }
        if let Some(enabled) = req.enabled {
            ep.enabled = enabled;
        }
        Ok(ep.clone())
    }

    /// Removes an endpoint of `key`; its pending deliveries fail at their next attempt.
    pub(crate) fn remove_endpoint(&self, key: Option<&str>, id: &str) -> Result<(), SimError> {
        let mut st = self.state.lock();
        find_managed(&mut st.endpoints, key, id)?;
        st.endpoints.retain(|e| e.id != id);
        Ok(())
    }
}

/// The endpoint `id` if `key` may manage it (command-line endpoints are managed by nobody).
fn find_managed<'a>(
    endpoints: &'a mut [Endpoint],
    key: Option<&str>,
    id: &str,
) -> Result<&'a mut Endpoint, SimError> {
    let ep = endpoints
        .iter_mut()
        .find(|e| e.id == id && e.visible_to(key))
        .ok_or_else(|| SimError::NotFound(format!("no webhook endpoint '{id}'")))?;
    if ep.key.is_none() {
        return Err(SimError::Conflict(
            "endpoints given with --webhook are fixed for the life of the process".into(),
        ));
    }
    Ok(ep)
}
