//! Formats: sniffing from content, and one analyser module per format.
//!
//! [`sniff`] decides a [`Format`] from magic bytes and structure, never from the file name. The
//! name is only used afterwards, to report a name that lies about the content.

pub mod build_files;
pub mod chat_template;
pub mod compress;
pub mod gguf;
pub mod hdf5;
pub mod hydra;
pub mod json;
pub mod keras;
pub mod mlflow;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod pins;
pub mod protobuf;
pub mod pyc;
pub mod pyliteral;
pub mod pypkg;
pub mod python;
pub mod python_layout;
pub mod safetensors;
pub mod sevenz;
pub mod skops;
pub mod tar;
pub mod tf_savedmodel;
pub mod torchscript;
pub mod yaml;
pub mod zip;

/// What an artifact is, judged by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// A raw pickle stream (one or more pickles); the highest protocol declared.
    Pickle(Option<u8>),
    /// A PyTorch zip checkpoint (`torch.save` since 1.6): a zip with `*/data.pkl`.
    PytorchZip,
    /// A TorchScript archive: a PyTorch zip with `code/` and `constants.pkl`.
    Torchscript,
    /// TorchScript source (`code/**/*.py` of a TorchScript archive), judged by
    /// [`torchscript::analyse_code`].
    TorchscriptCode,
    /// Legacy `torch.save` (magic-number pickle, protocol, sys_info, data, storage keys, raw
    /// storages).
    PytorchLegacy,
    /// PyTorch 0.1.x tar checkpoint (`sys_info`, `pickle`, `storages`, `tensors` members).
    PytorchLegacyTar,
    /// NumPy `.npy`.
    Npy,
    /// NumPy `.npz` (a zip of `.npy` members).
    Npz,
    /// A joblib pickle (pickles with raw array data between them).
    Joblib,
    /// safetensors.
    Safetensors,
    /// GGUF (llama.cpp).
    Gguf,
    /// A Jinja chat template file (`chat_template.jinja`).
    ChatTemplate,
    /// A JSON tokenizer config that carries `chat_template` (`tokenizer_config.json`).
    TokenizerConfig,
    /// ONNX `ModelProto` (protobuf).
    Onnx,
    /// HDF5 (Keras legacy `.h5`, data files).
    Hdf5,
    /// Keras v3 `.keras`: a zip with `config.json`, `metadata.json` and `model.weights.h5`.
    Keras,
    /// The `config.json` of a Keras v3 archive (the model's serialized layer graph).
    KerasConfig,
    /// A TF-Keras (Keras 2) SavedModel's `keras_metadata.pb`: protobuf `SavedObject`s carrying
    /// each layer's JSON config.
    KerasMetadata,
    /// TensorFlow Lite flatbuffer.
    Tflite,
    /// TensorFlow SavedModel (`saved_model.pb`, `SavedModel` protobuf).
    TfSavedModel,
    /// A zip archive.
    Zip,
    /// A tar archive.
    Tar,
    /// A 7z archive.
    SevenZ,
    /// gzip.
    Gzip,
    /// bzip2.
    Bzip2,
    /// xz.
    Xz,
    /// Legacy `.lzma` (LZMA alone).
    Lzma,
    /// Zstandard frames (`.zst`; `pandas.read_pickle` infers it from the name), possibly after
    /// skippable frames.
    Zstd,
    /// LZ4 frames (joblib's `compress='lz4'`), possibly after skippable frames.
    Lz4,
    /// A raw zlib stream (joblib's default compressor).
    Zlib,
    /// joblib's compressed format before 0.10 (`numpy_pickle_compat.py`, `write_zfile`): `ZF`,
    /// the data length in hex padded to 19 bytes, then a zlib stream of the pickle.
    JoblibZfile,
    /// An ELF, Mach-O or PE executable or library.
    Executable,
    /// A wheel (PEP 427): a zip with `*.dist-info/WHEEL` or `RECORD`.
    Wheel,
    /// A source distribution: a tar with `<name>-<version>/PKG-INFO` or `setup.py`.
    Sdist,
    /// Python bytecode (`.pyc`, PEP 552 header of Python 3.7 or later), whatever its name.
    Pyc,
    /// Python source (text named `*.py`).
    PythonSource,
    /// A `.pth` path file (text named `*.pth`).
    Pth,
    /// A PEP 829 `.start` file (text named `*.start`).
    StartFile,
    /// Python core metadata (`METADATA`, `PKG-INFO`; text named so): name and version.
    PackageMetadata,
    /// A pip requirements file or `pip freeze` output (text named `requirements*.txt`).
    Requirements,
    /// A PEP 751 lock file (text named `pylock.toml` or `pylock.*.toml`).
    Pylock,
    /// uv's lock file (text named `uv.lock`).
    UvLock,
    /// Poetry's lock file (text named `poetry.lock`).
    PoetryLock,
    /// PDM's lock file (text named `pdm.lock`): `[[package]]` `name` and `version`.
    PdmLock,
    /// Pipenv's lock file (JSON named `Pipfile.lock`): `default` and `develop` maps.
    PipfileLock,
    /// A pixi manifest (TOML named `pixi.toml`): its `[pypi-dependencies]`.
    PixiManifest,
    /// pixi's lock file (YAML named `pixi.lock`): its PyPI packages.
    PixiLock,
    /// A conda-lock file (YAML named `conda-lock.yml`, `*.conda-lock.yml`): its `manager: pip`
    /// packages.
    CondaLock,
    /// A conda environment's record of one installed package (`conda-meta/*.json`).
    CondaMeta,
    /// pip's configuration file (text named `pip.conf` or `pip.ini`).
    PipConfig,
    /// uv's configuration file (TOML named `uv.toml`: the keys of `[tool.uv]`).
    UvConfig,
    /// Pipenv's `Pipfile` (TOML): `[[source]]` indexes and `[packages]`.
    Pipfile,
    /// A project's `pyproject.toml`, read for its installer configuration (`[tool.uv]`,
    /// `[tool.poetry]`).
    Pyproject,
    /// An instantiate config: YAML or JSON text with `_target_` keys ([`hydra`]).
    HydraConfig,
    /// A setuptools `setup.cfg`, read for the commands it installs and its build requirements.
    SetupCfg,
    /// A virtual environment's `pyvenv.cfg`, read for where its interpreter comes from.
    PyvenvCfg,
    /// A skops archive (`.skops`): a zip with `schema.json` at its root ([`skops`]).
    Skops,
    /// A skops archive's `schema.json`, the object tree `skops.io.load` builds.
    SkopsSchema,
    /// An MLflow model's `MLmodel` file (YAML named so): its flavors and the code they load
    /// ([`mlflow`]).
    MlflowModel,
    /// A conda environment file (`conda.yaml`, `environment.yml`, MLflow's `python_env.yaml`):
    /// its pip requirements ([`mlflow`]).
    CondaEnvironment,
    /// Text that is none of the above.
    Text,
    /// Nothing recognised.
    Unknown,
}

impl Format {
    /// A short lowercase name, as used in every output format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pickle(_) => "pickle",
            Format::PytorchZip => "pytorch-zip",
            Format::Torchscript => "torchscript",
            Format::TorchscriptCode => "torchscript-code",
            Format::PytorchLegacy => "pytorch-legacy",
            Format::PytorchLegacyTar => "pytorch-legacy-tar",
            Format::Npy => "numpy-npy",
            Format::Npz => "numpy-npz",
            Format::Joblib => "joblib",
            Format::Safetensors => "safetensors",
            Format::Gguf => "gguf",
            Format::ChatTemplate => "chat-template",
            Format::TokenizerConfig => "tokenizer-config",
            Format::HydraConfig => "hydra-config",
            Format::Onnx => "onnx",
            Format::Hdf5 => "hdf5",
            Format::Keras => "keras",
            Format::KerasConfig => "keras-config",
            Format::KerasMetadata => "keras-metadata",
            Format::Tflite => "tflite",
            Format::TfSavedModel => "tf-savedmodel",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::SevenZ => "7z",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Zstd => "zstd",
            Format::Lz4 => "lz4",
            Format::Zlib => "zlib",
            Format::JoblibZfile => "joblib-zfile",
            Format::Executable => "executable",
            Format::Wheel => "wheel",
            Format::Sdist => "sdist",
            Format::Pyc => "pyc",
            Format::PythonSource => "python-source",
            Format::Pth => "pth",
            Format::StartFile => "start",
            Format::PackageMetadata => "package-metadata",
            Format::Requirements => "requirements",
            Format::Pylock => "pylock",
            Format::UvLock => "uv-lock",
            Format::PoetryLock => "poetry-lock",
            Format::PdmLock => "pdm-lock",
            Format::PipfileLock => "pipfile-lock",
            Format::PixiManifest => "pixi-manifest",
            Format::PixiLock => "pixi-lock",
            Format::CondaLock => "conda-lock",
            Format::CondaMeta => "conda-meta",
            Format::PipConfig => "pip-config",
            Format::UvConfig => "uv-config",
            Format::Pipfile => "pipfile",
            Format::Pyproject => "pyproject",
            Format::SetupCfg => "setup-cfg",
            Format::PyvenvCfg => "pyvenv-cfg",
            Format::MlflowModel => "mlflow-model",
            Format::Skops => "skops",
            Format::SkopsSchema => "skops-schema",
            Format::CondaEnvironment => "conda-environment",
            Format::Text => "text",
            Format::Unknown => "unknown",
        }
    }

    /// Text formats, judged from their whole content: Python sources, `.pth` and `.start`
    /// files, core metadata, pinned lists and lock files, chat templates and the configs that
    /// carry them, Keras configs, TorchScript code, and other text.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Format::PythonSource
                | Format::Pth
                | Format::StartFile
                | Format::PackageMetadata
                | Format::Requirements
                | Format::Pylock
                | Format::UvLock
                | Format::PoetryLock
                | Format::PdmLock
                | Format::PipfileLock
                | Format::PixiManifest
                | Format::PixiLock
                | Format::CondaLock
                | Format::CondaMeta
                | Format::PipConfig
                | Format::UvConfig
                | Format::Pipfile
                | Format::Pyproject
                | Format::SetupCfg
                | Format::PyvenvCfg
                | Format::MlflowModel
                | Format::CondaEnvironment
                | Format::SkopsSchema
                | Format::ChatTemplate
                | Format::TokenizerConfig
                | Format::KerasConfig
                | Format::TorchscriptCode
                | Format::HydraConfig
                | Format::Text
        )
    }

    /// True for formats whose verdict the first bytes decide: airlock names them but has no
    /// analyser that reads further (text, executables, unknown content, and for now TFLite).
    /// Readers stop at the head for these; a second reading as a pickle or a zip (polyglots) is
    /// still checked.
    pub fn judged_by_head(self) -> bool {
        matches!(
            self,
            Format::Unknown | Format::Text | Format::Executable | Format::Tflite
        )
    }

    /// True for formats that hold a model or data airlock analyses (or names) as such.
    pub fn is_model(self) -> bool {
        !matches!(
            self,
            Format::Zip
                | Format::Tar
                | Format::SevenZ
                | Format::Gzip
                | Format::Bzip2
                | Format::Xz
                | Format::Lzma
                | Format::Zstd
                | Format::Lz4
                | Format::Zlib
                | Format::JoblibZfile
                | Format::Executable
                | Format::Text
                | Format::Unknown
        )
    }
}

/// Whether `s` is a dotted Python name (`pkg.mod.attr`, an entry point's `module:attr` after
/// `:` becomes `.`): every part an identifier (letters, digits and `_`, not starting with a
/// digit), none empty.
pub fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            p.chars().next().is_some_and(|c| !c.is_ascii_digit())
                && p.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// The text format a consumer reads a file as by its name alone, whatever its bytes: Python
/// source (`*.py`, `*.pyw`, Cython `*.pyx`/`*.pxi`), which the interpreter runs; `.pth` and
/// `.start` files, which `site` reads; `*.jinja` chat templates, which Jinja renders. A file so
/// named whose content sniffs as a binary format (a pickle, GGUF, a zip) is read as both
/// (`analyse::analyse`): the binary reading alone would hide the code its consumer runs.
pub fn consumed_by_name(name: &str) -> Option<Format> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if [".py", ".pyw", ".pyx", ".pxi"]
        .iter()
        .any(|s| base.ends_with(s))
    {
        Some(Format::PythonSource)
    } else if base.ends_with(".pth") {
        Some(Format::Pth)
    } else if base.ends_with(".start") {
        Some(Format::StartFile)
    } else if [".jinja", ".jinja2", ".j2"]
        .iter()
        .any(|s| base.to_ascii_lowercase().ends_with(s))
    {
        Some(Format::ChatTemplate)
    } else {
        None
    }
}

/// Refine a sniffed format by the file or member name, for text formats whose meaning is given
/// by the name only: Python source (`*.py`), `.pth` path files, PEP 829 `.start` files, core
/// metadata (`METADATA`, `PKG-INFO`), pinned lists and installer configuration
/// ([`pins::list_format`]), MLflow's `MLmodel` and conda environment files
/// ([`mlflow::by_name`]). The
/// content decides first: only text is refined, and content of no known format named `.pth` or
/// `.start` (`site` reads those whatever their bytes: control characters, a legacy encoding).
pub fn refine_by_name(format: Format, name: &str) -> Format {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if format == Format::Unknown {
        if base.ends_with(".pth") {
            return Format::Pth;
        } else if base.ends_with(".start") {
            return Format::StartFile;
        } else if pins::list_format(base) == Some(Format::Requirements) {
            // pip decodes a requirements file whatever its bytes (a UTF-16 byte order mark, a
            // vertical tab that `str.splitlines` ends a line at).
            return Format::Requirements;
        }
    }
    if format != Format::Text {
        return format;
    }
    // `.pyw` is a source suffix of the import system on Windows. Cython's `.pyx` (and the
    // `.pxi` it includes) is Python with C declarations: its module level runs when the
    // compiled extension is imported, so it is read as Python (tree-sitter passes over the
    // `cdef` lines it cannot parse).
    if [".py", ".pyw", ".pyx", ".pxi"]
        .iter()
        .any(|s| base.ends_with(s))
    {
        Format::PythonSource
    } else if base.ends_with(".pth") {
        Format::Pth
    } else if base.ends_with(".start") {
        Format::StartFile
    } else if pins::is_metadata_name(base) {
        Format::PackageMetadata
    } else if let Some(list) = pins::list_format(base) {
        list
    } else if let Some(manifest) = mlflow::by_name(base) {
        manifest
    } else {
        format
    }
}

/// Decide the format of `data` from its content.
///
/// Containers are refined by their members later (a zip with `data.pkl` becomes
/// [`Format::PytorchZip`]); this looks at the first bytes only, plus a bounded trial decode for
/// pickles, which have no magic number before protocol 2.
pub fn sniff(data: &[u8]) -> Format {
    let head = &data[..data.len().min(16)];
    if head.starts_with(b"\x93NUMPY") {
        return Format::Npy;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Format::Zip;
    }
    if head.starts_with(b"7z\xbc\xaf\x27\x1c") {
        return Format::SevenZ;
    }
    if head.starts_with(b"\x1f\x8b") {
        return Format::Gzip;
    }
    if head.starts_with(b"BZh") && head.len() > 3 && (b'1'..=b'9').contains(&head[3]) {
        return Format::Bzip2;
    }
    if head.starts_with(b"\xfd7zXZ\x00") {
        return Format::Xz;
    }
    if let Some(frames) = compress::frame_stream(data) {
        return frames;
    }
    if head.starts_with(b"GGUF") {
        return Format::Gguf;
    }
    if head.starts_with(hdf5::MAGIC) {
        return Format::Hdf5;
    }
    if head.starts_with(b"\x7fELF")
        || head.starts_with(b"\xcf\xfa\xed\xfe")
        || head.starts_with(b"\xce\xfa\xed\xfe")
        || head.starts_with(b"\xca\xfe\xba\xbe")
        || head.starts_with(b"MZ")
    {
        return Format::Executable;
    }
    // Before the pickle trial decode: a magic such as `U\r\r\n` (3.8) starts like a pickle.
    if pyc::looks_like(data) {
        return Format::Pyc;
    }
    if data.len() >= 8 && &data[4..8] == b"TFL3" {
        return Format::Tflite;
    }
    if data.len() > 262 && &data[257..262] == b"ustar" {
        return Format::Tar;
    }
    if safetensors::looks_like(data) {
        return Format::Safetensors;
    }
    if let Some(p) = pickle::looks_like(data) {
        return Format::Pickle(p);
    }
    if compress::looks_like_zlib(data) {
        return Format::Zlib;
    }
    if compress::zfile_stream(data).is_some() {
        return Format::JoblibZfile;
    }
    if compress::looks_like_lzma(data) {
        return Format::Lzma;
    }
    if tar::looks_like_old_tar(data) {
        return Format::Tar;
    }
    if looks_like_onnx(data) {
        return Format::Onnx;
    }
    if tf_savedmodel::looks_like(data) {
        return Format::TfSavedModel;
    }
    if keras::looks_like_metadata(data) {
        return Format::KerasMetadata;
    }
    // Zip readers (PyTorch's included) find an archive from its end, whatever its first bytes:
    // an end record without a comment is checked for every file, a search through the last
    // 64 KiB (the longest comment) only for files that are not text.
    if zip::has_eocd_at_end(data) {
        return Format::Zip;
    }
    // libhdf5 finds the superblock after a user block of 512, 1024, 2048, … bytes: text or
    // unknown bytes in front of it are such a block (a file whose first bytes are another format
    // is read as HDF5 too, by `analyse::polyglot`).
    if hdf5::superblock_offset(data).is_some() {
        return Format::Hdf5;
    }
    if looks_like_text(data) {
        if python_script(data) {
            return Format::PythonSource;
        }
        return Format::Text;
    }
    if zip::has_eocd(data) {
        return Format::Zip;
    }
    Format::Unknown
}

/// Whether text is a script that runs Python whatever its name: a shebang naming a Python
/// (`#!python`, which wheel installers rewrite for the scripts in `.data/scripts/`;
/// `#!/usr/bin/env python3`; a venv's `bin/pip`; PyPy), or a Python runner (`#!/usr/bin/env -S
/// uv run --script`, PEP 723 scripts; `uvx`, `pipx run`), or the `sh` launcher pip and distlib
/// write when the interpreter's path is too long for a shebang (`#!/bin/sh`, then a line
/// starting `'''exec' "/…/python" "$0" "$@"`). Only the first 256 bytes are looked at.
fn python_script(data: &[u8]) -> bool {
    let head = &data[..data.len().min(256)];
    let mut lines = head.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or(head);
    if !first.starts_with(b"#!") {
        return false;
    }
    let has = |l: &[u8], w: &[u8]| memchr::memmem::find(l, w).is_some();
    if ["python", "pypy", "uv run", "uvx ", "pipx run"]
        .iter()
        .any(|w| has(first, w.as_bytes()))
    {
        return true;
    }
    lines
        .next()
        .is_some_and(|l| l.starts_with(b"'''exec'") && (has(l, b"python") || has(l, b"pypy")))
}

/// True when the first 4 KiB are text without control bytes other than whitespace: UTF-8, or an
/// 8-bit legacy encoding (Latin-1, cp1252...), which Python reads under a PEP 263 coding cookie
/// and which must not make a source file "unknown".
fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    // Control bytes other than whitespace rule text out; checking them first (a branch-free
    // fold the compiler vectorises) spares the UTF-8 validation for binary files.
    let controls = head.iter().fold(0u32, |n, &b| {
        n + u32::from(b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
    });
    if head.is_empty() || controls > 0 {
        return false;
    }
    if head.is_ascii() {
        return true;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the window's end is still text.
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => true,
        // Not UTF-8: 8-bit text has no control bytes (checked above), mostly ASCII, and no
        // C1 block of controls and DEL runs that binary data has.
        Err(_) => {
            let high = head.iter().filter(|&&b| b >= 0x80).count();
            let del = head.iter().filter(|&&b| b == 0x7f).count();
            del == 0 && high * 4 < head.len()
        }
    }
}

/// Reads a protobuf varint at `pos`; returns the value and the next position.
fn varint(data: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(pos)?;
        pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some((v, pos));
        }
    }
    None
}

/// An ONNX `ModelProto` starts with `ir_version` (field 1, varint, 1 to 20) and its top-level
/// fields are all known `ModelProto` fields with sane wire types, including a graph (field 7).
fn looks_like_onnx(data: &[u8]) -> bool {
    if data.first() != Some(&0x08) {
        return false;
    }
    let Some((ir, mut pos)) = varint(data, 1) else {
        return false;
    };
    if !(1..=20).contains(&ir) {
        return false;
    }
    let mut saw_graph = false;
    for _ in 0..64 {
        let Some((tag, p)) = varint(data, pos) else {
            break;
        };
        let (field, wire) = (tag >> 3, tag & 7);
        if !matches!(field, 1..=8 | 14 | 20 | 25) {
            return false;
        }
        match wire {
            0 => match varint(data, p) {
                Some((_, q)) => pos = q,
                None => return false,
            },
            2 => match varint(data, p) {
                Some((len, q)) => {
                    if field == 7 {
                        saw_graph = true;
                    }
                    match q.checked_add(len as usize) {
                        Some(end) if end <= data.len() => pos = end,
                        _ => return saw_graph,
                    }
                }
                None => return false,
            },
            _ => return false,
        }
        if pos >= data.len() {
            break;
        }
    }
    saw_graph
}

/// The format a member has by its role in the container `container` (as refined from its member
/// names), when its content alone does not say it: a Keras v3 archive's `config.json` is the
/// model graph Keras deserializes (Keras `saving/saving_lib.py`, `_CONFIG_FILENAME`), a TorchScript
/// archive's `code/**/*.py` is the source `torch.jit.load` compiles (PyTorch
/// `torch/csrc/jit/serialization/import.cpp`). Container analysers hand such members on with this
/// format instead of sniffing them, so each container knows its members through this one table.
/// A PyTorch archive's `data.pkl` is a pickle by role, however it starts.
pub fn member_role(container: Format, name: &str) -> Option<Format> {
    let base = name.rsplit('/').next().unwrap_or(name);
    match container {
        // Keras reads `config.json` and `metadata.json` at the archive root only.
        Format::Keras if name == "config.json" || name == "metadata.json" => {
            Some(Format::KerasConfig)
        }
        // `skops.io.load` reads the root `schema.json` (skops `io/_persist.py`).
        Format::Skops if name == "schema.json" => Some(Format::SkopsSchema),
        Format::Torchscript
            if base.ends_with(".py") && (name.starts_with("code/") || name.contains("/code/")) =>
        {
            Some(Format::TorchscriptCode)
        }
        // `torch.load` unpickles `<record>/data.pkl` whatever its first bytes (PyTorch
        // `torch/serialization.py`, `_load`), and `torch.jit.load` its `constants.pkl`
        // (`import.cpp`): analysed as pickles, not sniffed.
        Format::PytorchZip | Format::Torchscript
            if name.matches('/').count() == 1
                && (base == "data.pkl" || base == "constants.pkl") =>
        {
            Some(Format::Pickle(None))
        }
        _ => None,
    }
}

/// File name extensions that claim a data-only format (no code at load).
pub fn claims_data_only(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".safetensors",
        ".gguf",
        ".onnx",
        ".npy",
        ".json",
        ".txt",
        ".csv",
        ".h5",
        ".hdf5",
        ".tflite",
        ".msgpack",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
}

/// File name extensions that model scanners and loaders treat as model files.
pub fn has_model_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".pt",
        ".pth",
        ".bin",
        ".ckpt",
        ".pkl",
        ".pickle",
        ".joblib",
        ".safetensors",
        ".gguf",
        ".onnx",
        ".npy",
        ".npz",
        ".h5",
        ".hdf5",
        ".keras",
        ".pb",
        ".tflite",
        ".model",
        ".dat",
        ".mar",
        ".nemo",
        ".jit",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"\x80\x04K\x01."), Format::Pickle(Some(4)));
        assert_eq!(sniff(b"(S'x'\nios\nsystem\n."), Format::Pickle(None));
        assert_eq!(sniff(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(sniff(b"import os\nprint(1)\n"), Format::Text);
        assert_eq!(sniff(b"\x93NUMPY\x01\x00"), Format::Npy);
    }
}
