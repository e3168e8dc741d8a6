//! TODO(helper): clock
