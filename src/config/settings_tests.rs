//! Unit tests of `config::settings`: the shipped `config/default.toml` and the README's configuration
//! table list every key at its built-in default.

use std::path::Path;

use crate::config::{Overrides, Settings, DEFAULT_FILE};

/// Every `section.key` of [`Settings`] with its built-in default as text (strings unquoted).
fn default_keys() -> std::collections::BTreeMap<String, String> {
    let value = serde_json::to_value(Settings::default()).unwrap();
    let mut keys = std::collections::BTreeMap::new();
    for (section, table) in value.as_object().unwrap() {
        for (key, v) in table.as_object().unwrap() {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            keys.insert(format!("{section}.{key}"), text);
        }
    }
    keys
}

#[test]
fn the_shipped_default_toml_is_every_key_at_its_built_in_default() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join(DEFAULT_FILE);
    let loaded = Settings::load_from(&file, None, vec![], &Overrides::default()).unwrap();
    assert_eq!(
        loaded,
        Settings::default(),
        "config/default.toml is not the defaults"
    );
    let mut section = String::new();
    let mut named = std::collections::BTreeSet::new();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        let line = line.trim();
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((key, _)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
            named.insert(format!("{section}.{}", key.trim()));
        }
    }
    let keys: std::collections::BTreeSet<String> = default_keys().into_keys().collect();
    assert_eq!(
        named, keys,
        "config/default.toml does not list every key once"
    );
}

#[test]
fn the_readme_configuration_table_is_every_key_with_its_default() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("| key | default | meaning |")
        .expect("the table");
    let mut rows = std::collections::BTreeMap::new();
    for line in readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let key = cells[1].trim_matches('`').to_string();
        let default = cells[2].trim_matches('`');
        let default = if default == "\"\"" { "" } else { default };
        assert!(
            rows.insert(key.clone(), default.to_string()).is_none(),
            "{key} listed twice"
        );
    }
    assert_eq!(
        rows,
        default_keys(),
        "README configuration table vs Settings::default()"
    );
}
