//! TODO(helper): csv_import
