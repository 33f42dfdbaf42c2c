//! Rust names from schema names.

/// `OSVersion` → `os_version`, `EnrollmentID` → `enrollment_id`, `UDID` → `udid`.
pub fn snake(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A plural acronym (`UUIDs`) stays one word.
            let plural = chars.get(i + 1) == Some(&'s')
                && !chars.get(i + 2).is_some_and(|n| n.is_ascii_lowercase());
            // A one-letter lower-case prefix (`dNSName`, `iCloud`) joins the word it starts.
            let prefix = i == 1 && prev.is_ascii_lowercase();
            let boundary = !prefix
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower && !plural));
            if boundary && !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_matches('_').to_owned();
    let out = if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    };
    if KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// `token parameters` / `TokenParameters` / `com.apple.watch.pairing` → `TokenParameters`,
/// `ComAppleWatchPairing`.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            upper = true;
            continue;
        }
        if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// Variant names for a string rangelist: the common dotted prefix is dropped
/// (`com.apple.maid`, `com.apple.watch.pairing` → `Maid`, `WatchPairing`).
pub fn variants(values: &[String]) -> Vec<String> {
    let split: Vec<Vec<&str>> = values.iter().map(|v| v.split('.').collect()).collect();
    let mut common = 0;
    if values.len() > 1 {
        'outer: while let Some(first) = split[0].get(common) {
            for s in &split {
                // Keep at least one segment of every value.
                if s.len() <= common + 1 || s.get(common) != Some(first) {
                    break 'outer;
                }
            }
            common += 1;
        }
    }
    let mut names: Vec<String> = split
        .iter()
        .map(|s| {
            let n = camel(&s[common..].join("."));
            if n.is_empty() { "Empty".to_owned() } else { n }
        })
        .collect();
    // `Unrecognized` is the catch-all variant.
    for n in &mut names {
        if n == "Unrecognized" {
            n.push_str("Value");
        }
    }
    // Disambiguate collisions deterministically.
    for i in 0..names.len() {
        let mut n = 2;
        while names[..i].contains(&names[i]) {
            names[i] = format!("{}{n}", names[i].trim_end_matches(char::is_numeric));
            n += 1;
        }
    }
    names
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("OSVersion"), "os_version");
        assert_eq!(snake("EnrollmentID"), "enrollment_id");
        assert_eq!(snake("UDID"), "udid");
        assert_eq!(snake("USEnglishDescription"), "us_english_description");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("iTunesStoreID"), "itunes_store_id");
        assert_eq!(snake("dNSName"), "dns_name");
        assert_eq!(
            snake("ServerURLPinningCertificateUUIDs"),
            "server_url_pinning_certificate_uuids"
        );
        assert_eq!(snake("UUIDsList"), "uuids_list");
        assert_eq!(camel("TokenParameters"), "TokenParameters");
        assert_eq!(
            variants(&["com.apple.maid".into(), "com.apple.watch.pairing".into()]),
            ["Maid", "WatchPairing"]
        );
        assert_eq!(variants(&["a".into()]), ["A"]);
    }
}
