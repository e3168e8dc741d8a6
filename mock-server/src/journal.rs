//! TODO(helper): journal
