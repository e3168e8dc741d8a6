//! Discovery: before generating cases, the runner reads what the target already has (agents,
//! calls, numbers, contacts, inventory), so positive cases can use ids that exist. A valid request
//! aimed at a random id is a 404, not a refusal of valid input; guessing ids is how runners
//! produce false positives.

use serde_json::Value;

use crate::case::{Auth, Case, Expectation, Phase};
use crate::http::{Target, TransportError};

/// Ids and values the target has, by resource.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    /// Agent ids.
    pub agents: Vec<String>,
    /// Call ids.
    pub calls: Vec<String>,
    /// Phone number ids.
    pub numbers: Vec<String>,
    /// Contact ids.
    pub contacts: Vec<String>,
    /// Inventory numbers (E.164) that can be bought.
    pub inventory: Vec<String>,
    /// A call with a recording: its id and its signed URL.
    pub recording: Option<(String, String)>,
}

/// Why discovery could not start the run.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The target did not answer.
    #[error("reach the target: {0}")]
    Unreachable(String),
    /// The key was refused: the run would only test 401s.
    #[error("use the API key: the target answered {0} to GET /agents")]
    KeyRefused(u16),
}

fn list_case(path: &str, query: &[(&str, &str)]) -> Case {
    Case {
        id: format!("discover{path}"),
        operation_id: None,
        phase: Phase::Stateful,
        method: "GET".to_owned(),
        path: path.to_owned(),
        query: query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        headers: Vec::new(),
        auth: Auth::Primary,
        body: None,
        expect: Expectation::Observe,
        note: "discovery".to_owned(),
    }
}

async fn ids(
    target: &Target,
    path: &str,
    query: &[(&str, &str)],
    field: &str,
) -> Result<(u16, Vec<String>), DiscoveryError> {
    // Only a refused connection stops the run; any other failure (a hang, a reset, garbage) is
    // the target's behaviour, which the phases will report as findings.
    let ex = match target.send(&list_case(path, query)).await {
        Ok(ex) => ex,
        Err(e @ TransportError::Connect(_)) => {
            return Err(DiscoveryError::Unreachable(e.to_string()));
        }
        Err(_) => return Ok((0, Vec::new())),
    };
    let v = ex.json().unwrap_or(Value::Null);
    let out = v["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok((ex.status, out))
}

/// Reads the target's current resources with the primary key.
pub async fn discover(target: &Target) -> Result<Fixtures, DiscoveryError> {
    let (status, agents) = ids(target, "/agents", &[("limit", "100")], "id").await?;
    if status == 401 || status == 403 {
        return Err(DiscoveryError::KeyRefused(status));
    }
    let (_, calls) = ids(target, "/calls", &[("limit", "100")], "id").await?;
    let (_, numbers) = ids(target, "/phone-numbers", &[("limit", "100")], "id").await?;
    let (_, contacts) = ids(target, "/contacts", &[("limit", "100")], "id").await?;
    let (_, inventory) = ids(
        target,
        "/phone-numbers/inventory/search",
        &[("country", "US"), ("limit", "100")],
        "number",
    )
    .await?;
    let (_, with_rec) = ids(
        target,
        "/calls",
        &[
            ("hasRecording", "true"),
            ("status", "completed"),
            ("limit", "20"),
        ],
        "id",
    )
    .await?;
    let mut recording = None;
    // The shortest recording keeps the download checks fast.
    let mut best: Option<(u64, String, String)> = None;
    for id in with_rec.iter().take(10) {
        let mut c = list_case(&format!("/calls/{id}"), &[]);
        c.id = "discover/recording".to_owned();
        if let Ok(ex) = target.send(&c).await {
            let v = ex.json().unwrap_or(Value::Null);
            if let (Some(url), Some(d)) = (v["recordingUrl"].as_str(), v["durationSec"].as_u64())
                && best.as_ref().is_none_or(|b| d < b.0)
            {
                best = Some((d, id.clone(), url.to_owned()));
            }
        }
    }
    if let Some((_, id, url)) = best {
        recording = Some((id, url));
    }
    Ok(Fixtures {
        agents,
        calls,
        numbers,
        contacts,
        inventory,
        recording,
    })
}
