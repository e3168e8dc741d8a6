//! The HTTP layer around the API: the server's edge and the limits of a request's head.

pub(crate) mod edge;
pub(crate) mod limits;
