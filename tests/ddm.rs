/// The committed fuzz seeds are valid documents (a seed that fails to decode explores little).
#[test]
fn fuzz_seeds_decode() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut n = 0;
    for entry in std::fs::read_dir(root.join("ddm_declaration")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        match name {
            "tokens.json" => drop(TokensResponse::from_json(&bytes).unwrap()),
            "declaration_items.json" => drop(DeclarationItemsResponse::from_json(&bytes).unwrap()),
            _ => {
                let d = Declaration::from_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    d.payload.declaration_type().is_none(),
                    name == "unknown_type.json",
                    "{name}"
                );
            }
        }
        n += 1;
    }
    for entry in std::fs::read_dir(root.join("ddm_status")).unwrap() {
        let path = entry.unwrap().path();
        let r = StatusReport::from_json(&std::fs::read(&path).unwrap());
        r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert_eq!(n, 13);
}
