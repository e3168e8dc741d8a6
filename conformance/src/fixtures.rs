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
    /// The phones of the contacts (an import naming one would merge into, so change, it).
    pub contact_phones: Vec<String>,
    /// Inventory numbers (E.164) that can be bought.
    pub inventory: Vec<String>,
    /// A call with a recording: its id and its signed URL.
    pub recording: Option<(String, String)>,
    /// Agents the run created for its own cases (updates, deletes and routing aim at these,
    /// never at `agents`).
    pub owned_agents: Vec<String>,
    /// Numbers the run bought for its own cases: id and E.164.
    pub owned_numbers: Vec<(String, String)>,
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
        phase: Phase::Scenario,
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

/// Every item of a list, 100 a page, up to `pages` pages; with the status of the first page.
async fn items(
    target: &Target,
    path: &str,
    query: &[(&str, &str)],
    pages: usize,
) -> Result<(u16, Vec<Value>), DiscoveryError> {
    let mut out = Vec::new();
    let mut first = 0;
    for page in 0..pages {
        let offset = (page * 100).to_string();
        let mut q: Vec<(&str, &str)> = query.to_vec();
        if pages > 1 {
            q.push(("offset", &offset));
        }
        // Only a refused connection stops the run; any other failure (a hang, a reset,
        // garbage) is the target's behaviour, which the phases will report as findings.
        let ex = match target.send(&list_case(path, &q)).await {
            Ok(ex) => ex,
            Err(e @ TransportError::Connect(_)) => {
                return Err(DiscoveryError::Unreachable(e.to_string()));
            }
            Err(_) => break,
        };
        if page == 0 {
            first = ex.status;
        }
        let data = ex
            .json()
            .and_then(|mut v| v.get_mut("data").map(Value::take))
            .and_then(|d| match d {
                Value::Array(a) => Some(a),
                _ => None,
            })
            .unwrap_or_default();
        let n = data.len();
        out.extend(data);
        if n < 100 {
            break;
        }
    }
    Ok((first, out))
}

fn field(items: &[Value], name: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|x| x[name].as_str().map(str::to_owned))
        .collect()
}

async fn ids(
    target: &Target,
    path: &str,
    query: &[(&str, &str)],
    name: &str,
) -> Result<(u16, Vec<String>), DiscoveryError> {
    let (status, list) = items(target, path, query, 1).await?;
    Ok((status, field(&list, name)))
}

/// Pages of the writable resources read for protection: everything up to 1,000 of each.
const PROTECT_PAGES: usize = 10;

/// Reads the target's current resources with the primary key.
pub async fn discover(target: &Target) -> Result<Fixtures, DiscoveryError> {
    let (status, agents) = items(target, "/agents", &[("limit", "100")], PROTECT_PAGES).await?;
    if status == 401 || status == 403 {
        return Err(DiscoveryError::KeyRefused(status));
    }
    let agents = field(&agents, "id");
    let (_, calls) = ids(target, "/calls", &[("limit", "100")], "id").await?;
    let (_, numbers) = items(target, "/phone-numbers", &[("limit", "100")], PROTECT_PAGES).await?;
    let numbers = field(&numbers, "id");
    let (_, contacts) = items(target, "/contacts", &[("limit", "100")], PROTECT_PAGES).await?;
    let contact_phones = field(&contacts, "phone");
    let contacts = field(&contacts, "id");
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
        contact_phones,
        inventory,
        recording,
        owned_agents: Vec::new(),
        owned_numbers: Vec::new(),
    })
}
