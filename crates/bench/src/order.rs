//! The order a loader reads files in: safetensors index order when there is
//! an index, else by name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use preload_core::order::read_index;

/// Name of the index a sharded safetensors checkpoint carries.
pub const SAFETENSORS_INDEX: &str = "model.safetensors.index.json";

/// Sorts `files` (found under `root`) the way a loader reads them: when
/// `root/model.safetensors.index.json` exists and parses, the shards in the
/// order of their first appearance in its `weight_map`, then every other
/// file by path; else every file by path. An unreadable index is ignored.
pub fn loader_order(root: &Path, mut files: Vec<PathBuf>) -> Vec<PathBuf> {
    files.sort();
    let shards = read_index(&root.join(SAFETENSORS_INDEX)).unwrap_or_default();
    if shards.is_empty() {
        return files;
    }
    let rank: HashMap<PathBuf, usize> = shards
        .iter()
        .enumerate()
        .map(|(i, name)| (root.join(name), i))
        .collect();
    // Stable sort: indexed shards first by rank, the rest keep name order.
    files.sort_by_key(|f| rank.get(f).copied().unwrap_or(usize::MAX));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_order_first_then_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join(SAFETENSORS_INDEX),
            r#"{"metadata": {}, "weight_map": {
                "z.weight": "model-00002-of-00002.safetensors",
                "a.weight": "model-00001-of-00002.safetensors",
                "b.weight": "model-00002-of-00002.safetensors"}}"#,
        )
        .unwrap();
        let names = [
            "config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            SAFETENSORS_INDEX,
        ];
        let files = names.iter().map(|n| root.join(n)).collect();
        let order = loader_order(root, files);
        let got: Vec<&str> = order
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            got,
            [
                "model-00002-of-00002.safetensors",
                "model-00001-of-00002.safetensors",
                "config.json",
                SAFETENSORS_INDEX,
            ]
        );
    }

    #[test]
    fn without_an_index_names_decide() {
        let root = Path::new("/m");
        let files = vec![root.join("b"), root.join("a/c"), root.join("a")];
        assert_eq!(
            loader_order(root, files),
            [root.join("a"), root.join("a/c"), root.join("b")]
        );
    }
}
