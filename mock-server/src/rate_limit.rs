//! TODO(helper): rate_limit
