//! Bench-data specs (`bench-data/*.toml`): what a synthetic model directory
//! holds, and the list of files ([`Spec::plan`]) that the writer produces.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;

/// One spec file, as written in `bench-data/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Directory name under the output root.
    pub name: String,
    /// One line for humans.
    #[serde(default)]
    pub description: String,
    /// Seed of the random bytes (the same spec always gives the same bytes).
    #[serde(default)]
    pub seed: u64,
    /// A HuggingFace-style checkpoint: safetensors shards and metadata files.
    pub model: Option<ModelSpec>,
    /// Groups of plain random files.
    #[serde(default)]
    pub files: Vec<FileGroup>,
}

/// A sharded safetensors checkpoint with its index and metadata files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Number of `model-0000N-of-0000M.safetensors` shards (1 gives
    /// `model.safetensors` and no index).
    pub shards: u32,
    /// Size of each shard, e.g. `"256MiB"` (exact: the header is padded).
    pub shard_size: String,
    /// Tensors per shard.
    #[serde(default = "default_tensors")]
    pub tensors_per_shard: u32,
    /// Tokens in the synthetic `tokenizer.json`.
    #[serde(default = "default_vocab")]
    pub vocab: u32,
    /// Tensor dtype, `BF16` (default) or `F16`: both 2 bytes per value;
    /// numpy has no bfloat16, so models loaded by safetensors' numpy
    /// backend (the Python loader of the benchmarks) use `F16`.
    #[serde(default = "default_dtype")]
    pub dtype: String,
}

fn default_dtype() -> String {
    "BF16".into()
}

fn default_tensors() -> u32 {
    16
}

fn default_vocab() -> u32 {
    32_000
}

/// `count` random files named by `path`, where `{index}` is replaced by the
/// zero-padded file number.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGroup {
    /// Relative path; `{index}` becomes 0, 1, ... padded to the width of `count - 1`.
    pub path: String,
    /// Number of files.
    #[serde(default = "one")]
    pub count: u32,
    /// Size of each file, e.g. `"1MiB"`.
    pub size: String,
}

fn one() -> u32 {
    1
}

/// What one generated file contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Random bytes.
    Random,
    /// A safetensors shard: shard number (0-based) of `shards`.
    Shard { shard: u32, shards: u32 },
    /// `model.safetensors.index.json`.
    Index,
    /// `config.json`.
    Config,
    /// `generation_config.json`.
    GenerationConfig,
    /// `tokenizer.json`.
    Tokenizer,
}

/// One file to write: relative path, size in bytes (for metadata files,
/// `None`: known once written), content.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// Path relative to the generated directory.
    pub path: PathBuf,
    /// Exact size when known before writing.
    pub size: Option<u64>,
    /// What goes in.
    pub content: Content,
}

impl Spec {
    /// Reads and checks a spec file.
    pub fn load(path: &Path) -> Result<(Spec, String)> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read spec {}", path.display()))?;
        let spec: Spec =
            toml::from_str(&text).with_context(|| format!("bad spec {}", path.display()))?;
        spec.check()
            .with_context(|| format!("bad spec {}", path.display()))?;
        Ok((spec, text))
    }

    fn check(&self) -> Result<()> {
        ensure!(
            !self.name.is_empty()
                && self
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "name {:?} must be a plain directory name",
            self.name
        );
        ensure!(
            self.model.is_some() || !self.files.is_empty(),
            "a spec needs [model] or [[files]]"
        );
        for g in &self.files {
            ensure!(g.count > 0, "files {:?}: count must be > 0", g.path);
            ensure!(
                g.count == 1 || g.path.contains("{index}"),
                "files {:?}: several files need {{index}} in the path",
                g.path
            );
            let rel = Path::new(&g.path);
            ensure!(
                rel.is_relative() && !g.path.split('/').any(|c| c == ".."),
                "files {:?}: path must be relative, without ..",
                g.path
            );
            parse_size(&g.size)?;
        }
        if let Some(m) = &self.model {
            ensure!(m.shards > 0, "model.shards must be > 0");
            ensure!(
                m.tensors_per_shard > 0,
                "model.tensors_per_shard must be > 0"
            );
            parse_size(&m.shard_size)?;
        }
        Ok(())
    }

    /// The files this spec produces, in writing order.
    pub fn plan(&self) -> Result<Vec<PlannedFile>> {
        let mut out = Vec::new();
        if let Some(m) = &self.model {
            let size = parse_size(&m.shard_size)?;
            for shard in 0..m.shards {
                out.push(PlannedFile {
                    path: shard_name(shard, m.shards).into(),
                    size: Some(size),
                    content: Content::Shard {
                        shard,
                        shards: m.shards,
                    },
                });
            }
            let meta = [
                ("config.json", Content::Config),
                ("generation_config.json", Content::GenerationConfig),
                ("tokenizer.json", Content::Tokenizer),
            ];
            for (name, content) in meta {
                out.push(PlannedFile {
                    path: name.into(),
                    size: None,
                    content,
                });
            }
            if m.shards > 1 {
                out.push(PlannedFile {
                    path: "model.safetensors.index.json".into(),
                    size: None,
                    content: Content::Index,
                });
            }
        }
        for g in &self.files {
            let size = parse_size(&g.size)?;
            let width = (g.count - 1).max(1).to_string().len();
            for i in 0..g.count {
                let path = g.path.replace("{index}", &format!("{i:0width$}"));
                out.push(PlannedFile {
                    path: path.into(),
                    size: Some(size),
                    content: Content::Random,
                });
            }
        }
        Ok(out)
    }
}

/// HuggingFace's shard file name: `model-00001-of-00004.safetensors`.
pub fn shard_name(shard: u32, shards: u32) -> String {
    if shards == 1 {
        "model.safetensors".to_string()
    } else {
        format!("model-{:05}-of-{shards:05}.safetensors", shard + 1)
    }
}

/// Parses `1GiB`, `256MiB`, `512KiB`, `4096` (bytes); also `GB`/`MB`/`KB`
/// (powers of 1000) and a trailing `B` optional.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num
        .parse()
        .with_context(|| format!("bad size {s:?}: expected e.g. 256MiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => bail!("bad size {s:?}: unknown unit {other:?}"),
    };
    Ok((num * mult as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("256MiB").unwrap(), 256 << 20);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1.5KiB").unwrap(), 1536);
        assert_eq!(parse_size("2MB").unwrap(), 2_000_000);
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("MiB").is_err());
    }

    #[test]
    fn plan_names_shards_and_pads_indices() {
        let spec: Spec = toml::from_str(
            r#"
            name = "t"
            [model]
            shards = 2
            shard_size = "1MiB"
            [[files]]
            path = "d/f-{index}.bin"
            count = 11
            size = "1KiB"
            "#,
        )
        .unwrap();
        spec.check().unwrap();
        let plan = spec.plan().unwrap();
        let names: Vec<_> = plan.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(names[0], "model-00001-of-00002.safetensors");
        assert!(names.contains(&"model.safetensors.index.json".to_string()));
        assert!(names.contains(&"d/f-00.bin".to_string()));
        assert!(names.contains(&"d/f-10.bin".to_string()));
        assert_eq!(plan.len(), 2 + 4 + 11);
    }

    #[test]
    fn rejects_escaping_paths_and_missing_index() {
        let bad = [
            "name = \"t\"\n[[files]]\npath = \"../x\"\nsize = \"1\"",
            "name = \"t\"\n[[files]]\npath = \"x\"\ncount = 2\nsize = \"1\"",
            "name = \"a/b\"\n[[files]]\npath = \"x\"\nsize = \"1\"",
            "name = \"t\"",
        ];
        for text in bad {
            let spec: Spec = toml::from_str(text).unwrap();
            assert!(spec.check().is_err(), "{text}");
        }
    }
}
