//! TODO(helper): cost
