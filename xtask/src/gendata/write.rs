//! Writes the files of a plan: fast incompressible random bytes, safetensors
//! shards with a real header, and the JSON metadata files of a checkpoint.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use serde_json::{Map, Value, json};

use super::spec::{Content, ModelSpec, Spec, parse_size, shard_name};

/// Block size of every write.
const BLOCK: usize = 1 << 20;
/// Bytes per tensor row: 4096 BF16 values.
const ROW_BYTES: u64 = 4096 * 2;
/// Projections of one transformer layer, to name tensors like a real model.
const PROJ: [&str; 7] = [
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
];

/// Random bytes for bench data: Rng (Steele, Lea, Flood 2014) seeds a
/// xorshift64 stream (Marsaglia 2003). Xorshift is only shifts and xors, so it
/// stays fast in xtask's unoptimised debug build; its output does not
/// compress, so a compressing filesystem stores every byte.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one file: the spec seed mixed with the file's path.
    pub fn for_file(seed: u64, rel: &Path) -> Rng {
        let mut h = 0xcbf2_9ce4_8422_2325u64; // FNV-1a
        for b in rel.as_os_str().as_encoded_bytes() {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
        Rng::new(seed ^ h)
    }

    /// A generator from a seed (Rng output, never the zero state).
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        // SAFETY: every bit pattern is a valid u64 and a valid u8.
        let (head, words, tail) = unsafe { buf.align_to_mut::<u64>() };
        let mut x = self.0;
        for w in words.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *w = x;
        }
        self.0 = x;
        for b in head.iter_mut().chain(tail.iter_mut()) {
            *b = self.next() as u8;
        }
    }
}

/// Writes `len` random bytes to `out` in 1 MiB blocks.
fn write_random(out: &mut File, rng: &mut Rng, mut len: u64, buf: &mut [u8]) -> Result<()> {
    while len > 0 {
        let n = len.min(buf.len() as u64) as usize;
        rng.fill(&mut buf[..n]);
        out.write_all(&buf[..n])?;
        len -= n as u64;
    }
    Ok(())
}

/// One tensor of a shard.
#[derive(Debug, Clone)]
struct Tensor {
    name: String,
    rows: u64,
}

/// The tensors of shard `shard`, with rows chosen so that header + data fill
/// exactly `shard_size` bytes.
fn shard_tensors(m: &ModelSpec, shard: u32, shard_size: u64) -> Result<Vec<Tensor>> {
    let t = u64::from(m.tensors_per_shard);
    // Room for the JSON header: ~120 bytes per tensor is plenty.
    let header_budget = (64 + 160 * t).next_multiple_of(8);
    ensure!(
        shard_size >= 8 + header_budget + t * ROW_BYTES,
        "shard_size {shard_size} too small for {t} tensors"
    );
    let rows_total = (shard_size - 8 - header_budget) / ROW_BYTES;
    let base = rows_total / t;
    Ok((0..t)
        .map(|i| {
            let g = u64::from(shard) * t + i;
            let rows = if i == t - 1 {
                rows_total - base * (t - 1)
            } else {
                base
            };
            Tensor {
                name: format!("model.layers.{}.{}.weight", g / 7, PROJ[(g % 7) as usize]),
                rows,
            }
        })
        .collect())
}

/// Writes one safetensors shard of exactly `size` bytes: u64 LE header
/// length, JSON header padded with spaces, then random tensor data.
fn write_shard(
    path: &Path,
    rng: &mut Rng,
    tensors: &[Tensor],
    size: u64,
    dtype: &str,
) -> Result<()> {
    ensure!(
        matches!(dtype, "BF16" | "F16"),
        "dtype {dtype:?}: only BF16 and F16 (2 bytes per value) are generated"
    );
    let mut header = Map::new();
    header.insert("__metadata__".into(), json!({ "format": "pt" }));
    let mut offset = 0u64;
    for t in tensors {
        let end = offset + t.rows * ROW_BYTES;
        header.insert(
            t.name.clone(),
            json!({ "dtype": dtype, "shape": [t.rows, ROW_BYTES / 2], "data_offsets": [offset, end] }),
        );
        offset = end;
    }
    let header_len = size - 8 - offset;
    let mut text = serde_json::to_string(&Value::Object(header))?;
    ensure!(
        text.len() as u64 <= header_len,
        "safetensors header overflow (bug)"
    );
    text.extend(std::iter::repeat_n(
        ' ',
        (header_len - text.len() as u64) as usize,
    ));
    let mut f = File::create(path)?;
    f.write_all(&header_len.to_le_bytes())?;
    f.write_all(text.as_bytes())?;
    let mut buf = vec![0u8; BLOCK];
    write_random(&mut f, rng, offset, &mut buf)
}

/// The JSON of a metadata file.
fn metadata_json(spec: &Spec, m: &ModelSpec, content: &Content) -> Result<Value> {
    let layers = (u64::from(m.shards) * u64::from(m.tensors_per_shard)).div_ceil(7);
    Ok(match content {
        Content::Config => json!({
            "_comment": "synthetic model from `cargo xtask gen`: the weights are random bytes",
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": 4096,
            "num_hidden_layers": layers,
            "torch_dtype": if m.dtype == "F16" { "float16" } else { "bfloat16" },
        }),
        Content::GenerationConfig => {
            json!({ "bos_token_id": 1, "eos_token_id": 2, "do_sample": false })
        }
        Content::Tokenizer => {
            let mut rng = Rng::new(spec.seed ^ 0x746f_6b65_6e73);
            let vocab: Map<String, Value> = (0..m.vocab)
                .map(|i| (format!("tok{i}_{:x}", rng.next() & 0xffff), json!(i)))
                .collect();
            json!({ "version": "1.0", "model": { "type": "BPE", "vocab": vocab, "merges": [] } })
        }
        Content::Index => {
            let size = parse_size(&m.shard_size)?;
            let mut map = Map::new();
            let mut total = 0u64;
            for shard in 0..m.shards {
                for t in shard_tensors(m, shard, size)? {
                    total += t.rows * ROW_BYTES;
                    map.insert(t.name, json!(shard_name(shard, m.shards)));
                }
            }
            json!({ "metadata": { "total_size": total }, "weight_map": map })
        }
        Content::Random | Content::Shard { .. } => unreachable!("not a metadata file"),
    })
}

/// Writes one planned file under `root`.
pub fn write_file(
    spec: &Spec,
    root: &Path,
    rel: &Path,
    content: &Content,
    size: Option<u64>,
) -> Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut rng = Rng::for_file(spec.seed, rel);
    let result = match (content, &spec.model) {
        (Content::Random, _) => {
            File::create(&path)
                .map_err(anyhow::Error::from)
                .and_then(|mut f| {
                    write_random(&mut f, &mut rng, size.unwrap_or(0), &mut vec![0u8; BLOCK])
                })
        }
        (Content::Shard { shard, .. }, Some(m)) => {
            let size = size.unwrap_or(0);
            shard_tensors(m, *shard, size)
                .and_then(|t| write_shard(&path, &mut rng, &t, size, &m.dtype))
        }
        (meta, Some(m)) => metadata_json(spec, m, meta).and_then(|v| {
            let text = serde_json::to_string_pretty(&v)?;
            std::fs::write(&path, text + "\n")?;
            Ok(())
        }),
        (_, None) => unreachable!("model files come from a model spec"),
    };
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_are_deterministic_and_not_constant() {
        let mut a = vec![0u8; 4099];
        let mut b = vec![0u8; 4099];
        Rng::for_file(7, Path::new("x")).fill(&mut a);
        Rng::for_file(7, Path::new("x")).fill(&mut b);
        assert_eq!(a, b);
        Rng::for_file(7, Path::new("y")).fill(&mut b);
        assert_ne!(a, b);
        let zeros = a.iter().filter(|&&x| x == 0).count();
        assert!(zeros < 100, "{zeros} zero bytes in 4099");
    }

    /// A fresh directory `PREFIX-PID` under the system's temp dir: the shard
    /// tests write there and remove it themselves.
    fn scratch_dir(prefix: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A model of `shards` 1 MiB shards of `tensors_per_shard` tensors in
    /// `dtype` (vocabulary 10): the smallest spec the shard tests need.
    fn one_mib_shards(shards: u32, tensors_per_shard: u32, dtype: &str) -> ModelSpec {
        ModelSpec {
            shards,
            shard_size: "1MiB".into(),
            tensors_per_shard,
            vocab: 10,
            dtype: dtype.into(),
        }
    }

    /// The header length and JSON header of safetensors `bytes` (an 8-byte
    /// little-endian length, then the JSON): what the shard tests inspect.
    fn safetensors_header(bytes: &[u8]) -> (usize, Value) {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        (n, serde_json::from_slice(&bytes[8..8 + n]).unwrap())
    }

    #[test]
    fn shard_is_exact_size_and_a_valid_safetensors_file() {
        let dir = scratch_dir("xtask-shard");
        let m = one_mib_shards(2, 3, "BF16");
        let size = 1 << 20;
        let tensors = shard_tensors(&m, 1, size).unwrap();
        let path = dir.join("s.safetensors");
        write_shard(&path, &mut Rng::new(1), &tensors, size, "BF16").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(bytes.len() as u64, size);
        let (n, header) = safetensors_header(&bytes);
        assert_eq!(n % 8, 0);
        let obj = header.as_object().unwrap();
        assert_eq!(obj.len(), 4); // 3 tensors + __metadata__
        let max_end = obj
            .values()
            .filter_map(|v| v["data_offsets"][1].as_u64())
            .max()
            .unwrap();
        assert_eq!(8 + n as u64 + max_end, size);
        assert!(obj.contains_key("model.layers.0.mlp.up_proj.weight"));
    }

    #[test]
    fn shards_take_f16_for_numpy_and_refuse_other_dtypes() {
        let dir = scratch_dir("xtask-f16");
        let m = one_mib_shards(1, 2, "F16");
        let tensors = shard_tensors(&m, 0, 1 << 20).unwrap();
        let path = dir.join("s.safetensors");
        write_shard(&path, &mut Rng::new(1), &tensors, 1 << 20, "F16").unwrap();
        let err = write_shard(&path, &mut Rng::new(1), &tensors, 1 << 20, "F32").unwrap_err();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.to_string().contains("only BF16 and F16"), "{err}");
        let (_, header) = safetensors_header(&bytes);
        let dtypes: Vec<&str> = header
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v["dtype"].as_str())
            .collect();
        assert_eq!(dtypes, ["F16", "F16"]);
    }
}
