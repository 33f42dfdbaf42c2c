//! Placeholder: filled in by the MS-MDE2 work.
