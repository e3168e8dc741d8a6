//! The HTTP layer around the API and the control API: the server and its edge, the limits of a
//! request's head, the router and its layers (CORS, panics), the front door that dispatches a
//! request to an API operation or a control route, the request log and journal capture, the
//! health probe and the settings page.

pub mod app;
pub(crate) mod edge;
pub(crate) mod front;
pub mod health;
pub(crate) mod limits;
pub(crate) mod observe;
pub mod server;
pub(crate) mod settings_page;
