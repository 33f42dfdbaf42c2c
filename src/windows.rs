//! Windows MDM (OMA DM 1.2 / MS-MDM SyncML and MS-MDE2 enrollment).

#[cfg(feature = "wbxml")]
pub mod wbxml;
