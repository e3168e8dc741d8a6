//! TODO(helper): transcript
