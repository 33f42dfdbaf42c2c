//! Token tables: WBXML global tokens, the SyncML 1.1 / 1.2 code pages 0 (SyncML) and 1 (MetInf)
//! and the DevInf 1.2 code page 0, with the public identifiers that select them.
//!
//! The token values are those of the OMA WBXML bindings (SyncML RepPro 1.2 §8, MetInf 1.2,
//! DevInf 1.2), as libwbxml's `wbxml_tables.c` also lists them.

/// Global token: switch the code page (followed by the page number, one byte).
pub(crate) const SWITCH_PAGE: u8 = 0x00;
/// Global token: end of an element or of an attribute list.
pub(crate) const END: u8 = 0x01;
/// Global token: a character entity (followed by an mb_u_int32 code point).
pub(crate) const ENTITY: u8 = 0x02;
/// Global token: an inline string (NUL-terminated).
pub(crate) const STR_I: u8 = 0x03;
/// Global token: a literal tag or attribute name (followed by a string-table index).
pub(crate) const LITERAL: u8 = 0x04;
/// Global token: a string-table reference (followed by an index).
pub(crate) const STR_T: u8 = 0x83;
/// Global token: opaque data (followed by an mb_u_int32 length and the bytes).
pub(crate) const OPAQUE: u8 = 0xC3;
/// Tag flag: the element has content (ends with [`END`]).
pub(crate) const HAS_CONTENT: u8 = 0x40;
/// Tag flag: the element has attributes (the list ends with [`END`]).
pub(crate) const HAS_ATTRS: u8 = 0x80;
/// The charset WBXML documents carry here: UTF-8 (IANA MIBenum 106).
pub(crate) const CHARSET_UTF8: u32 = 106;

/// The `syncml:metinf` namespace of code page 1 in SyncML documents.
pub(crate) const NS_METINF: &str = "syncml:metinf";

/// The document types this transcoder knows, with their WBXML public identifiers.
///
/// ```
/// use mdmkit::windows::wbxml::PublicId;
/// assert_eq!(PublicId::SyncMl12.id(), 0x1201);
/// assert_eq!(PublicId::from_id(0x0FD3), Some(PublicId::SyncMl11));
/// assert_eq!(PublicId::DevInf12.namespace(), "syncml:devinf");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PublicId {
    /// SyncML 1.2 (`-//SYNCML//DTD SyncML 1.2//EN`, public ID 0x1201): OMA DM 1.2, MS-MDM.
    SyncMl12,
    /// SyncML 1.1 (`-//SYNCML//DTD SyncML 1.1//EN`, public ID 0x0FD3): OMA DM 1.1.
    SyncMl11,
    /// DevInf 1.2 (`-//SYNCML//DTD DevInf 1.2//EN`, public ID 0x1203).
    DevInf12,
}

impl PublicId {
    /// Every document type, in a fixed order.
    pub const ALL: [PublicId; 3] = [PublicId::SyncMl12, PublicId::SyncMl11, PublicId::DevInf12];

    /// The numeric WBXML public identifier.
    #[must_use]
    pub const fn id(self) -> u32 {
        match self {
            PublicId::SyncMl12 => 0x1201,
            PublicId::SyncMl11 => 0x0FD3,
            PublicId::DevInf12 => 0x1203,
        }
    }

    /// The document type for a numeric WBXML public identifier.
    #[must_use]
    pub const fn from_id(id: u32) -> Option<PublicId> {
        match id {
            0x1201 => Some(PublicId::SyncMl12),
            0x0FD3 => Some(PublicId::SyncMl11),
            0x1203 => Some(PublicId::DevInf12),
            _ => None,
        }
    }

    /// The formal public identifier of the DTD (the `DOCTYPE` line's `PUBLIC` string).
    #[must_use]
    pub const fn fpi(self) -> &'static str {
        match self {
            PublicId::SyncMl12 => "-//SYNCML//DTD SyncML 1.2//EN",
            PublicId::SyncMl11 => "-//SYNCML//DTD SyncML 1.1//EN",
            PublicId::DevInf12 => "-//SYNCML//DTD DevInf 1.2//EN",
        }
    }

    /// The document type for a formal public identifier. DevInf 1.2 also answers to OMA's
    /// `-//OMA//DTD SYNCML-DEVINF 1.2//EN`.
    #[must_use]
    pub fn from_fpi(fpi: &str) -> Option<PublicId> {
        match fpi {
            "-//SYNCML//DTD SyncML 1.2//EN" => Some(PublicId::SyncMl12),
            "-//SYNCML//DTD SyncML 1.1//EN" => Some(PublicId::SyncMl11),
            "-//SYNCML//DTD DevInf 1.2//EN" | "-//OMA//DTD SYNCML-DEVINF 1.2//EN" => {
                Some(PublicId::DevInf12)
            }
            _ => None,
        }
    }

    /// The namespace of code page 0 (the root element's default namespace).
    #[must_use]
    pub const fn namespace(self) -> &'static str {
        match self {
            PublicId::SyncMl12 => "SYNCML:SYNCML1.2",
            PublicId::SyncMl11 => "SYNCML:SYNCML1.1",
            PublicId::DevInf12 => "syncml:devinf",
        }
    }

    /// The root element's name.
    #[must_use]
    pub const fn root(self) -> &'static str {
        match self {
            PublicId::SyncMl12 | PublicId::SyncMl11 => "SyncML",
            PublicId::DevInf12 => "DevInf",
        }
    }

    /// Whether this is a SyncML document (with the MetInf code page 1).
    pub(crate) const fn is_syncml(self) -> bool {
        matches!(self, PublicId::SyncMl12 | PublicId::SyncMl11)
    }

    /// The namespace of a tag code page, `None` for a page the document type does not have.
    pub(crate) const fn page_namespace(self, page: u8) -> Option<&'static str> {
        match page {
            0 => Some(self.namespace()),
            1 if self.is_syncml() => Some(NS_METINF),
            _ => None,
        }
    }

    /// The tag table of a code page (`None` for a page the document type does not have).
    fn page_table(self, page: u8) -> Option<&'static [Tag]> {
        match (self.is_syncml(), page) {
            (true, 0) => Some(&SYNCML_PAGE0),
            (true, 1) => Some(&METINF_PAGE1),
            (false, 0) => Some(&DEVINF12_PAGE0),
            _ => None,
        }
    }

    /// Whether a table entry belongs to this version (SyncML 1.1 lacks the 1.2 additions).
    const fn has(self, tag: &Tag) -> bool {
        match self {
            PublicId::SyncMl11 => !tag.since_12,
            PublicId::SyncMl12 | PublicId::DevInf12 => true,
        }
    }

    /// The tag name of a token (without flags) on a code page.
    pub(crate) fn tag_name(self, page: u8, token: u8) -> Option<&'static str> {
        self.page_table(page)?
            .iter()
            .find(|t| t.token == token && self.has(t))
            .map(|t| t.name)
    }

    /// The token of a tag name on a code page.
    pub(crate) fn tag_token(self, page: u8, name: &str) -> Option<u8> {
        self.page_table(page)?
            .iter()
            .find(|t| t.name == name && self.has(t))
            .map(|t| t.token)
    }
}

/// One tag of a code page.
pub(crate) struct Tag {
    pub(crate) name: &'static str,
    pub(crate) token: u8,
    /// New in SyncML 1.2 (absent from the SyncML 1.1 table).
    pub(crate) since_12: bool,
}

const fn t(name: &'static str, token: u8) -> Tag {
    Tag {
        name,
        token,
        since_12: false,
    }
}

const fn t12(name: &'static str, token: u8) -> Tag {
    Tag {
        name,
        token,
        since_12: true,
    }
}

/// SyncML code page 0 (`SYNCML:SYNCML1.2`; 1.1 without the entries marked 1.2). Token 0x30 is
/// reserved.
pub(crate) const SYNCML_PAGE0: [Tag; 55] = [
    t("Add", 0x05),
    t("Alert", 0x06),
    t("Archive", 0x07),
    t("Atomic", 0x08),
    t("Chal", 0x09),
    t("Cmd", 0x0A),
    t("CmdID", 0x0B),
    t("CmdRef", 0x0C),
    t("Copy", 0x0D),
    t("Cred", 0x0E),
    t("Data", 0x0F),
    t("Delete", 0x10),
    t("Exec", 0x11),
    t("Final", 0x12),
    t("Get", 0x13),
    t("Item", 0x14),
    t("Lang", 0x15),
    t("LocName", 0x16),
    t("LocURI", 0x17),
    t("Map", 0x18),
    t("MapItem", 0x19),
    t("Meta", 0x1A),
    t("MsgID", 0x1B),
    t("MsgRef", 0x1C),
    t("NoResp", 0x1D),
    t("NoResults", 0x1E),
    t("Put", 0x1F),
    t("Replace", 0x20),
    t("RespURI", 0x21),
    t("Results", 0x22),
    t("Search", 0x23),
    t("Sequence", 0x24),
    t("SessionID", 0x25),
    t("SftDel", 0x26),
    t("Source", 0x27),
    t("SourceRef", 0x28),
    t("Status", 0x29),
    t("Sync", 0x2A),
    t("SyncBody", 0x2B),
    t("SyncHdr", 0x2C),
    t("SyncML", 0x2D),
    t("Target", 0x2E),
    t("TargetRef", 0x2F),
    t("VerDTD", 0x31),
    t("VerProto", 0x32),
    t("NumberOfChanges", 0x33),
    t("MoreData", 0x34),
    t12("Field", 0x35),
    t12("Filter", 0x36),
    t12("Record", 0x37),
    t12("FilterType", 0x38),
    // 1.2 only by the specification; libwbxml's 1.1 table has it too (Nokia used it with 1.1).
    t("SourceParent", 0x39),
    t12("TargetParent", 0x3A),
    t12("Move", 0x3B),
    t12("Correlator", 0x3C),
];

/// SyncML code page 1 (`syncml:metinf`); FieldLevel is new in 1.2.
pub(crate) const METINF_PAGE1: [Tag; 18] = [
    t("Anchor", 0x05),
    t("EMI", 0x06),
    t("Format", 0x07),
    t("FreeID", 0x08),
    t("FreeMem", 0x09),
    t("Last", 0x0A),
    t("Mark", 0x0B),
    t("MaxMsgSize", 0x0C),
    t("Mem", 0x0D),
    t("MetInf", 0x0E),
    t("Next", 0x0F),
    t("NextNonce", 0x10),
    t("SharedMem", 0x11),
    t("Size", 0x12),
    t("Type", 0x13),
    t("Version", 0x14),
    t("MaxObjSize", 0x15),
    t12("FieldLevel", 0x16),
];

/// DevInf 1.2 code page 0 (`syncml:devinf`). Token 0x2F is not assigned.
pub(crate) const DEVINF12_PAGE0: [Tag; 47] = [
    t("CTCap", 0x05),
    t("CTType", 0x06),
    t("DataStore", 0x07),
    t("DataType", 0x08),
    t("DevID", 0x09),
    t("DevInf", 0x0A),
    t("DevTyp", 0x0B),
    t("DisplayName", 0x0C),
    t("DSMem", 0x0D),
    t("Ext", 0x0E),
    t("FwV", 0x0F),
    t("HwV", 0x10),
    t("Man", 0x11),
    t("MaxGUIDSize", 0x12),
    t("MaxID", 0x13),
    t("MaxMem", 0x14),
    t("Mod", 0x15),
    t("OEM", 0x16),
    t("ParamName", 0x17),
    t("PropName", 0x18),
    t("Rx", 0x19),
    t("Rx-Pref", 0x1A),
    t("SharedMem", 0x1B),
    t("MaxSize", 0x1C),
    t("SourceRef", 0x1D),
    t("SwV", 0x1E),
    t("SyncCap", 0x1F),
    t("SyncType", 0x20),
    t("Tx", 0x21),
    t("Tx-Pref", 0x22),
    t("ValEnum", 0x23),
    t("VerCT", 0x24),
    t("VerDTD", 0x25),
    t("XNam", 0x26),
    t("XVal", 0x27),
    t("UTC", 0x28),
    t("SupportNumberOfChanges", 0x29),
    t("SupportLargeObjs", 0x2A),
    t("Property", 0x2B),
    t("PropParam", 0x2C),
    t("MaxOccur", 0x2D),
    t("NoTruncate", 0x2E),
    t("Filter-Rx", 0x30),
    t("FilterCap", 0x31),
    t("FilterKeyword", 0x32),
    t("FieldLevel", 0x33),
    t("SupportHierarchicalSync", 0x34),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn check_unique(table: &[Tag]) {
        let mut names = HashSet::new();
        let mut tokens = HashSet::new();
        for tag in table {
            assert!(names.insert(tag.name), "name {} twice", tag.name);
            assert!(tokens.insert(tag.token), "token {:#x} twice", tag.token);
            assert!(
                (0x05..=0x3F).contains(&tag.token),
                "{} out of range",
                tag.name
            );
        }
    }

    #[test]
    fn every_token_appears_once() {
        check_unique(&SYNCML_PAGE0);
        check_unique(&METINF_PAGE1);
        check_unique(&DEVINF12_PAGE0);
        assert!(!SYNCML_PAGE0.iter().any(|t| t.token == 0x30));
        assert!(!DEVINF12_PAGE0.iter().any(|t| t.token == 0x2F));
        // SyncML page 0 runs 0x05..=0x3C without 0x30; DevInf 0x05..=0x34 without 0x2F.
        assert_eq!(SYNCML_PAGE0.len(), 0x3C - 0x05 + 1 - 1);
        assert_eq!(DEVINF12_PAGE0.len(), 0x34 - 0x05 + 1 - 1);
        assert_eq!(METINF_PAGE1.len(), 0x16 - 0x05 + 1);
    }

    #[test]
    fn name_token_round_trip() {
        for id in PublicId::ALL {
            for page in 0..=1u8 {
                let Some(table) = id.page_table(page) else {
                    assert!(!id.is_syncml() && page == 1);
                    continue;
                };
                for tag in table {
                    if !id.has(tag) {
                        assert_eq!(id.tag_token(page, tag.name), None);
                        assert_eq!(id.tag_name(page, tag.token), None);
                        continue;
                    }
                    assert_eq!(id.tag_token(page, tag.name), Some(tag.token));
                    assert_eq!(id.tag_name(page, tag.token), Some(tag.name));
                }
            }
            assert_eq!(id.tag_name(2, 0x05), None);
            assert_eq!(PublicId::from_id(id.id()), Some(id));
            assert_eq!(PublicId::from_fpi(id.fpi()), Some(id));
            assert!(id.tag_token(0, id.root()).is_some());
        }
    }

    #[test]
    fn spot_checks() {
        let s = PublicId::SyncMl12;
        assert_eq!(s.tag_token(0, "SyncML"), Some(0x2D));
        assert_eq!(s.tag_token(0, "Final"), Some(0x12));
        assert_eq!(s.tag_token(0, "final"), None);
        assert_eq!(s.tag_token(1, "MaxMsgSize"), Some(0x0C));
        assert_eq!(s.tag_token(1, "FieldLevel"), Some(0x16));
        assert_eq!(PublicId::SyncMl11.tag_token(1, "FieldLevel"), None);
        assert_eq!(PublicId::SyncMl11.tag_token(0, "Correlator"), None);
        assert_eq!(PublicId::SyncMl11.tag_token(0, "SourceParent"), Some(0x39));
        assert_eq!(s.tag_name(0, 0x30), None);
        let d = PublicId::DevInf12;
        assert_eq!(d.tag_token(0, "DevInf"), Some(0x0A));
        assert_eq!(d.tag_token(0, "MaxSize"), Some(0x1C));
        assert_eq!(d.tag_token(0, "SupportHierarchicalSync"), Some(0x34));
        assert_eq!(d.tag_name(0, 0x2F), None);
        assert_eq!(d.page_namespace(1), None);
    }
}
