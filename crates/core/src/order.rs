//! The order files are read in: the order a model loader reads them.
//!
//! A warm that runs beside the loader (`preload run`) only helps if the
//! bytes the loader needs next are the ones in flight. Loaders read small
//! files first (config, tokenizer), then the weight shards one after the
//! other, in the order their index names them, each shard from its header
//! through its tensors. [`Order::Loader`] sorts a walk that way:
//!
//! 1. files that are neither named by an index nor weights by their name or
//!    header (config, tokenizer, the index itself), smallest first;
//! 2. shards named by an index (`*.index.json` with a `weight_map`: the
//!    format of `model.safetensors.index.json`, `pytorch_model.bin.index.json`
//!    and diffusers' `diffusion_pytorch_model.safetensors.index.json`), in
//!    the order of their first appearance in the `weight_map`, indexes by
//!    path;
//! 3. other weight files (a safetensors header, or a weights extension such
//!    as `.bin`, `.pt`, `.gguf`), by path.
//!
//! Within a shard the loader reads the header, then tensors by their
//! `data_offsets`. `safetensors` writes tensors front to back in that order
//! (the header's offsets are ascending in the file), so tensor-offset order
//! is file order and a shard's chunks stay in file order; the header is
//! parsed (8-byte little-endian length, then JSON) to recognise shards that
//! no index names. A loader that reads in another order still gets every
//! byte, only some later.
//!
//! [`Order::Size`] reads smallest files first, [`Order::Path`] by path.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::par;
use crate::walk::FileEntry;

/// The order files are planned (and so read) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Small files, then index-named shards in index order, then other
    /// weights (see the module documentation). The default: it is never
    /// worse than the others for a loader and much better beside one.
    #[default]
    Loader,
    /// Smallest files first.
    Size,
    /// By path (the walk's order).
    Path,
}

impl Order {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Loader => "loader",
            Order::Size => "size",
            Order::Path => "path",
        }
    }
}

impl FromStr for Order {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "loader" => Ok(Order::Loader),
            "size" => Ok(Order::Size),
            "path" => Ok(Order::Path),
            other => Err(format!(
                "unknown order {other:?} (expected loader, size or path)"
            )),
        }
    }
}

/// File name suffixes of weight files loaders read in bulk.
const WEIGHT_SUFFIXES: [&str; 9] = [
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".gguf",
    ".h5",
    ".msgpack",
    ".onnx",
];

/// Sorts `files` into `order` (stable: ties keep the walk's order).
pub fn sort_files(mut files: Vec<FileEntry>, order: Order) -> Vec<FileEntry> {
    match order {
        Order::Path => files.sort_by(|a, b| a.path.cmp(&b.path)),
        Order::Size => files.sort_by(|a, b| (a.size, &a.path).cmp(&(b.size, &b.path))),
        Order::Loader => {
            let shards = index_ranks(&files);
            // A header check is an open and a read: one round trip after
            // another on FUSE or NFS, before any reader starts (24 checks
            // of 0.7 s each on a loaded simfs mount), so they go through
            // `par::map_all`, many in flight.
            let keys = par::map_all(&files, |f| loader_key(f, &shards));
            let mut keyed: Vec<(LoaderKey, FileEntry)> = keys.into_iter().zip(files).collect();
            // Stable: ties keep the walk's order.
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            files = keyed.into_iter().map(|(_, f)| f).collect();
        }
    }
    files
}

/// Where a file goes in loader order: (class, rank within the class).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LoaderKey {
    Small(u64, PathBuf),
    Indexed(usize),
    Weights(PathBuf),
}

/// Files below this size are never opened to look for a safetensors
/// header: where such a file goes hardly matters, and on storage with slow
/// metadata an open per small file (thousands of them) would delay the warm.
const HEADER_CHECK_MIN: u64 = 1 << 20;

fn loader_key(f: &FileEntry, shards: &HashMap<PathBuf, usize>) -> LoaderKey {
    if let Some(&rank) = shards.get(&f.path) {
        return LoaderKey::Indexed(rank);
    }
    let name = f.path.to_string_lossy();
    if WEIGHT_SUFFIXES.iter().any(|s| name.ends_with(s))
        || (f.size >= HEADER_CHECK_MIN && is_safetensors(&f.path))
    {
        LoaderKey::Weights(f.path.clone())
    } else {
        LoaderKey::Small(f.size, f.path.clone())
    }
}

/// Each shard an index names (as a path beside the index) with its rank:
/// indexes by path, shards by first appearance in each `weight_map`. An
/// index that does not parse names nothing.
fn index_ranks(files: &[FileEntry]) -> HashMap<PathBuf, usize> {
    let mut indexes: Vec<&Path> = files
        .iter()
        .map(|f| f.path.as_path())
        .filter(|p| p.to_string_lossy().ends_with(".index.json"))
        .collect();
    indexes.sort();
    let mut ranks = HashMap::new();
    for index in indexes {
        let dir = index.parent().unwrap_or(Path::new(""));
        for shard in read_index(index).unwrap_or_default() {
            let next = ranks.len();
            ranks.entry(dir.join(shard)).or_insert(next);
        }
    }
    ranks
}

/// Shard names of an index, in the order of first appearance in its
/// `weight_map`; None when it is not such an index.
pub fn read_index(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read(path).ok()?;
    let index: Index = serde_json::from_slice(&text).ok()?;
    let mut shards: Vec<String> = Vec::new();
    for (_, shard) in index.weight_map.0 {
        if !shards.contains(&shard) {
            shards.push(shard);
        }
    }
    Some(shards)
}

/// The part of an index that matters here.
#[derive(Deserialize)]
struct Index {
    weight_map: OrderedMap,
}

/// A JSON object's entries in file order (a `serde_json::Map` sorts them
/// unless the `preserve_order` feature is on somewhere in the build).
struct OrderedMap(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = OrderedMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from tensor names to shard file names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }
        d.deserialize_map(Entries)
    }
}

/// Largest safetensors header read (the format's own limit is 100 MB).
const MAX_HEADER: u64 = 100 << 20;

/// One tensor of a safetensors header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorRange {
    /// Tensor name.
    pub name: String,
    /// First byte in the file (after the header).
    pub start: u64,
    /// One past the last byte in the file.
    pub end: u64,
}

/// A safetensors file's layout: header length and tensors in offset order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetensorsLayout {
    /// Bytes before the first tensor: the 8-byte length plus the JSON.
    pub data_start: u64,
    /// Tensors sorted by their start offset (file order).
    pub tensors: Vec<TensorRange>,
}

#[derive(Deserialize)]
struct TensorInfo {
    data_offsets: (u64, u64),
}

/// Parses a safetensors header: 8-byte little-endian length, then that
/// many bytes of JSON mapping tensor names to `{dtype, shape,
/// data_offsets}` (plus an optional `__metadata__`).
pub fn safetensors_layout(path: &Path) -> io::Result<SafetensorsLayout> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut f = File::open(path)?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len)?;
    let n = u64::from_le_bytes(len);
    let size = f.metadata()?.len();
    if !(2..=MAX_HEADER).contains(&n) || 8 + n > size {
        return Err(bad("not a safetensors header length"));
    }
    let mut json = vec![0u8; n as usize];
    f.read_exact(&mut json)?;
    if json[0] != b'{' {
        return Err(bad("a safetensors header is a JSON object"));
    }
    let map: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&json).map_err(|e| bad(&e.to_string()))?;
    let data_start = 8 + n;
    let mut tensors = Vec::new();
    for (name, value) in map {
        if name == "__metadata__" {
            continue;
        }
        let info: TensorInfo = serde_json::from_value(value).map_err(|e| bad(&e.to_string()))?;
        let (s, e) = info.data_offsets;
        if s > e || data_start + e > size {
            return Err(bad("tensor offsets outside the file"));
        }
        tensors.push(TensorRange {
            name,
            start: data_start + s,
            end: data_start + e,
        });
    }
    tensors.sort_by(|a, b| (a.start, &a.name).cmp(&(b.start, &b.name)));
    Ok(SafetensorsLayout {
        data_start,
        tensors,
    })
}

/// True when `path` starts with a valid safetensors header.
pub fn is_safetensors(path: &Path) -> bool {
    safetensors_layout(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Writes a safetensors file: the header for `tensors` (name, bytes),
    /// laid out front to back in the given order, then zeros.
    pub(crate) fn write_safetensors(path: &Path, tensors: &[(&str, u64)]) -> u64 {
        let mut header = serde_json::Map::new();
        let mut at = 0;
        for &(name, bytes) in tensors {
            header.insert(
                name.into(),
                serde_json::json!({"dtype": "U8", "shape": [bytes], "data_offsets": [at, at + bytes]}),
            );
            at += bytes;
        }
        header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
        let json = serde_json::to_vec(&header).unwrap();
        let mut f = File::create(path).unwrap();
        f.write_all(&(json.len() as u64).to_le_bytes()).unwrap();
        f.write_all(&json).unwrap();
        f.set_len(8 + json.len() as u64 + at).unwrap();
        8 + json.len() as u64 + at
    }

    fn entry(path: PathBuf) -> FileEntry {
        let size = std::fs::metadata(&path).unwrap().len();
        FileEntry {
            path,
            size,
            dev: 1,
            ino: size,
        }
    }

    fn names(files: &[FileEntry]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_header_gives_tensors_in_offset_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.safetensors");
        let size = write_safetensors(&p, &[("z.weight", 4096), ("a.bias", 100)]);
        let layout = safetensors_layout(&p).unwrap();
        let got: Vec<(&str, u64, u64)> = layout
            .tensors
            .iter()
            .map(|t| (t.name.as_str(), t.start, t.end))
            .collect();
        let d = layout.data_start;
        assert_eq!(
            got,
            [("z.weight", d, d + 4096), ("a.bias", d + 4096, d + 4196)]
        );
        assert_eq!(d + 4196, size);
        // Not safetensors: text, a length past the end, a truncated file.
        std::fs::write(dir.path().join("c.json"), b"{\"a\": 1}").unwrap();
        assert!(!is_safetensors(&dir.path().join("c.json")));
        let mut bad = (1u64 << 40).to_le_bytes().to_vec();
        bad.extend_from_slice(b"{}");
        std::fs::write(dir.path().join("bad"), bad).unwrap();
        assert!(!is_safetensors(&dir.path().join("bad")));
        let whole = std::fs::read(&p).unwrap();
        std::fs::write(dir.path().join("cut"), &whole[..whole.len() - 1]).unwrap();
        assert!(
            !is_safetensors(&dir.path().join("cut")),
            "offsets past the end"
        );
    }

    #[test]
    fn loader_order_is_small_files_then_index_order_then_other_weights() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // The index names shard 2 first.
        std::fs::write(
            root.join("model.safetensors.index.json"),
            r#"{"metadata": {"total_size": 1}, "weight_map": {
                "z.weight": "model-00002-of-00002.safetensors",
                "a.weight": "model-00001-of-00002.safetensors",
                "b.weight": "model-00002-of-00002.safetensors"}}"#,
        )
        .unwrap();
        write_safetensors(
            &root.join("model-00001-of-00002.safetensors"),
            &[("a.weight", 8)],
        );
        write_safetensors(
            &root.join("model-00002-of-00002.safetensors"),
            &[("z.weight", 8), ("b.weight", 8)],
        );
        // Weights no index names, one recognised only by its header.
        write_safetensors(&root.join("adapter.safetensors"), &[("x", 8)]);
        write_safetensors(&root.join("blob-1234"), &[("y", HEADER_CHECK_MIN)]);
        std::fs::write(root.join("config.json"), b"{}").unwrap();
        std::fs::write(root.join("tokenizer.json"), vec![b' '; 5000]).unwrap();
        let mut files: Vec<FileEntry> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| entry(e.unwrap().path()))
            .collect();
        files.sort_by(|a, b| b.path.cmp(&a.path)); // any walk order
        let got = names(&sort_files(files.clone(), Order::Loader));
        assert_eq!(
            got,
            [
                "config.json",
                "model.safetensors.index.json",
                "tokenizer.json",
                "model-00002-of-00002.safetensors",
                "model-00001-of-00002.safetensors",
                "adapter.safetensors",
                "blob-1234",
            ]
        );
        let by_path = names(&sort_files(files.clone(), Order::Path));
        assert_eq!(by_path[0], "adapter.safetensors");
        let by_size = sort_files(files, Order::Size);
        assert!(by_size.windows(2).all(|w| w[0].size <= w[1].size));
    }

    #[test]
    fn a_broken_index_names_nothing_and_nested_indexes_name_their_neighbours() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("unet")).unwrap();
        std::fs::write(
            root.join("unet/diffusion_pytorch_model.safetensors.index.json"),
            r#"{"weight_map": {"b": "s2.safetensors", "a": "s1.safetensors"}}"#,
        )
        .unwrap();
        write_safetensors(&root.join("unet/s1.safetensors"), &[("a", 8)]);
        write_safetensors(&root.join("unet/s2.safetensors"), &[("b", 8)]);
        std::fs::write(root.join("pytorch_model.bin.index.json"), b"{not json").unwrap();
        std::fs::write(root.join("pytorch_model-1.bin"), b"x").unwrap();
        let files = [
            "unet/s1.safetensors",
            "unet/s2.safetensors",
            "pytorch_model-1.bin",
            "pytorch_model.bin.index.json",
            "unet/diffusion_pytorch_model.safetensors.index.json",
        ]
        .iter()
        .map(|n| entry(root.join(n)))
        .collect();
        let got = names(&sort_files(files, Order::Loader));
        assert_eq!(
            got,
            [
                "pytorch_model.bin.index.json",
                "diffusion_pytorch_model.safetensors.index.json",
                "s2.safetensors",
                "s1.safetensors",
                "pytorch_model-1.bin",
            ]
        );
    }

    #[test]
    fn header_checks_of_many_files_run_side_by_side_and_keep_the_order() {
        // Enough files for `par::map_all` to use several threads: 30 shards
        // without an extension (found by their headers), 30 data files
        // at the check's threshold (checked too), half of them a byte over.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut files = Vec::new();
        for i in 0..30 {
            let shard = root.join(format!("w{i:02}"));
            write_safetensors(&shard, &[("t", HEADER_CHECK_MIN)]);
            let data = root.join(format!("d{i:02}"));
            std::fs::write(&data, vec![b'x'; HEADER_CHECK_MIN as usize + i % 2]).unwrap();
            files.push(entry(shard));
            files.push(entry(data));
        }
        files.reverse(); // any walk order
        let got = names(&sort_files(files, Order::Loader));
        // Data files by size, then path (the even ones are one byte
        // smaller); then the shards by path.
        let mut want: Vec<String> = (0..30).step_by(2).map(|i| format!("d{i:02}")).collect();
        want.extend((1..30).step_by(2).map(|i| format!("d{i:02}")));
        want.extend((0..30).map(|i| format!("w{i:02}")));
        assert_eq!(got, want);
    }

    #[test]
    fn orders_parse_from_their_names() {
        for o in [Order::Loader, Order::Size, Order::Path] {
            assert_eq!(o.as_str().parse::<Order>(), Ok(o));
        }
        assert!("random".parse::<Order>().is_err());
        assert_eq!(Order::default(), Order::Loader);
    }
}
