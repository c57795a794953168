//! Tests of the record of processing.
