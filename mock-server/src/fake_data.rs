//! TODO(helper): fake_data
