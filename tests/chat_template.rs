//! Chat templates whose sandbox escape is spelled in pieces (concatenation, repetition, `format`,
//! `join`, `reverse`, slicing, `str.format`, variables, `namespace` accumulators, `set` blocks,
//! keyword names) are graded exactly as the same escape spelled plainly; templates written the
//! way real models write them (ChatML with tools, namespaces, `raise_exception`, `~` between
//! message parts, macros, loops over literal lists) stay clean; hostile shapes stay bounded.
//!
//! The templates are written for these tests in the style of published model templates; the
//! payloads only `echo`.

use std::time::Instant;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};
use airlock::Format;

fn scan_template(text: &str) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("chat_template.jinja");
    std::fs::write(&p, text).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(r.format, Format::ChatTemplate, "{text}");
    r
}

/// (rule, severity) of every finding, in the report's order.
fn graded(text: &str) -> Vec<(&'static str, Severity)> {
    scan_template(text)
        .findings
        .iter()
        .map(|f| (f.rule.id, f.severity))
        .collect()
}

/// The escape rule's severity and what it says was reached.
fn escape(text: &str) -> Option<(Severity, String)> {
    scan_template(text)
        .findings
        .iter()
        .find(|f| f.rule.id == "chat-template-sandbox-escape")
        .map(|f| {
            let reached = f
                .message
                .rsplit(": ")
                .next()
                .unwrap_or_default()
                .to_string();
            (f.severity, reached)
        })
}

/// (plain spelling, the same escape spelled in pieces).
const PAIRS: &[(&str, &str)] = &[
    // Concatenation of two literals, as an `attr` argument.
    (
        "{{ (''|attr('__class__')|attr('__mro__'))[1]|attr('__subclasses__') }}",
        "{{ (''|attr('__cla' ~ 'ss__')|attr('__m' ~ 'ro__'))[1]|attr('__sub' ~ 'classes__') }}",
    ),
    // Repetition: `'_' * 2`.
    (
        "{{ lipsum|attr('__globals__') }}",
        "{{ lipsum|attr('_' * 2 ~ 'globals' ~ '_' * 2) }}",
    ),
    // `'%c' | format(95)` and Python's `%` operator.
    (
        "{{ cycler|attr('__init__')|attr('__globals__') }}",
        "{{ cycler|attr('%c%cinit%c%c'|format(95, 95, 95, 95))|attr('%c%cglobals%c%c' % (95, 95, 95, 95)) }}",
    ),
    // `join` of a list of pieces, with and without a separator.
    (
        "{{ joiner|attr('__init__')|attr('__globals__') }}",
        "{{ joiner|attr(['__', 'init', '__']|join)|attr(('_', 'globals', '_')|join('_')) }}",
    ),
    // A reversed string, by filter and by slice.
    (
        "{{ lipsum['__globals__']['__builtins__'] }}",
        "{{ lipsum['__slabolg__'|reverse]['__snitliub__'[::-1]] }}",
    ),
    // `str.format` and `str.join` method calls.
    (
        "{{ namespace.__init__.__globals__ }}",
        "{{ namespace|attr('{0}init{0}'.format('__'))|attr(''.join(['__', 'glo', 'bals', '__'])) }}",
    ),
    // Variables set from pieces, and a `namespace` that accumulates them in a loop.
    (
        "{{ lipsum.__globals__ }}",
        "{% set g = 'glob' ~ 'als' %}{% set n = '__' ~ g ~ '__' %}{{ lipsum|attr(n) }}",
    ),
    (
        "{{ lipsum.__globals__ }}",
        "{% set ns = namespace(n='') %}{% for p in ['__', 'glo', 'bals', '__'] %}{% set ns.n = ns.n ~ p %}{% endfor %}{{ lipsum|attr(ns.n) }}",
    ),
    // A `set` block's captured text, and a keyword argument's name.
    (
        "{{ lipsum.__globals__ }}",
        "{% set n %}__globals__{% endset %}{{ lipsum|attr(n) }}",
    ),
    (
        "{{ lipsum.__globals__ }}",
        "{{ lipsum|attr(dict(__globals__=1)|first) }}",
    ),
    // Either branch of an `if` may be what runs.
    (
        "{{ ().__class__ }}",
        "{% if messages %}{% set n = 'x' %}{% else %}{% set n = '__cla' %}{% endif %}{{ ()|attr(n ~ 'ss__') }}",
    ),
];

#[test]
fn an_escape_in_pieces_is_graded_as_the_plain_escape() {
    for (plain, pieces) in PAIRS {
        let want = escape(plain).unwrap_or_else(|| panic!("plain spelling not reported: {plain}"));
        assert_eq!(escape(pieces), Some(want.clone()), "{pieces}");
    }
    // The shapes behind the CVE grade critical in pieces as they do plainly.
    assert_eq!(
        escape(PAIRS[0].1),
        Some((
            Severity::Critical,
            "__class__, __mro__, __subclasses__".into()
        ))
    );
}

#[test]
fn the_testers_shape_is_critical_not_medium() {
    let t = "{% set g = 'glob' ~ 'als' %}{% set x = lipsum|attr('__' ~ g ~ '__') %}{{ x['os']['popen']('echo airlock-test') }}";
    let got = graded(t);
    assert_eq!(
        got,
        vec![
            ("chat-template-sandbox-escape", Severity::Critical),
            ("chat-template-suspicious-access", Severity::High),
        ]
    );
}

/// ChatML with a system default, tools and tool responses (the shape of Qwen's templates).
const CHATML_TOOLS: &str = r#"{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nReturn a JSON object within <tool_call></tool_call> tags.<|im_end|>\n" }}
{%- elif messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if message.role == "user" or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}{{- '\n' + message.content }}{%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}
            {{- '\n<tool_call>\n{"name": "' ~ tool_call.name ~ '", "arguments": ' ~ (tool_call.arguments | tojson) ~ '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.index0 == 0 or messages[loop.index0 - 1].role != "tool" %}{{- '<|im_start|>user' }}{%- endif %}
        {{- '\n<tool_response>\n' ~ message.content ~ '\n</tool_response>' }}
        {%- if loop.last or messages[loop.index0 + 1].role != "tool" %}{{- '<|im_end|>\n' }}{%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}"#;

/// A reasoning model's template: a namespace of flags, `split` on the thinking marker.
const NAMESPACE_THINKING: &str = r#"{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.systemtem_prompt = ns.systemtem_prompt ~ message['content'] %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.systemtem_prompt }}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{ '<|User|>' + message['content'] }}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{ '<|Assistant|>' ~ content ~ '<|end_of_sentence|>' }}{%- endif %}{%- endfor -%}{% if add_generation_prompt and not ns.is_tool %}{{ '<|Assistant|><think>\n' }}{% endif %}"#;

/// Role alternation enforced with `raise_exception`, a date from `strftime_now`, tool JSON
/// with `tojson(indent=4)`, and a loop over a literal list of roles.
const LLAMA_STYLE: &str = r#"{{- bos_token }}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}{%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}
{%- endif %}
{%- set ns = namespace(roles='') %}
{%- for r in ['system', 'user', 'assistant', 'tool'] %}{%- set ns.roles = ns.roles ~ r ~ ',' %}{%- endfor %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none %}{%- for t in tools %}{{- t | tojson(indent=4) }}{{- "\n\n" }}{%- endfor %}{%- endif %}
{{- system_message }}{{- "<|eot_id|>" }}
{%- for message in messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) and message['role'] != 'tool' %}
        {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] not in ns.roles.split(',') %}{{- raise_exception('Unknown role: ' ~ message['role']) }}{%- endif %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}"#;

/// A macro that turns a JSON schema into a Python type, with `~` and recursion.
const SCHEMA_MACRO: &str = r#"{%- macro json_to_python_type(json_spec) %}
{%- set basic_type_map = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"} %}
{%- if basic_type_map[json_spec.type] is defined %}
    {{- basic_type_map[json_spec.type] }}
{%- elif json_spec.type == "array" %}
    {{- "list[" ~ json_to_python_type(json_spec['items']) ~ "]" }}
{%- elif json_spec.type == "object" and json_spec.additionalProperties is defined %}
    {{- "dict[str, " ~ json_to_python_type(json_spec.additionalProperties) ~ "]" }}
{%- else %}
    {{- "Any" }}
{%- endif %}
{%- endmacro %}
{%- for tool in tools %}
    {{- tool.function.name ~ "(" }}
    {%- for name, spec in tool.function.parameters.properties | items %}
        {{- name ~ ": " ~ json_to_python_type(spec) }}{%- if not loop.last %}{{- ", " }}{%- endif %}
    {%- endfor %}
    {{- ")\n" }}
{%- endfor %}
{%- for message in messages %}{{- '<|' ~ message.role ~ '|>\n' ~ message.content ~ '<|end|>\n' }}{%- endfor %}
{%- if add_generation_prompt %}{{- '<|assistant|>\n' }}{%- endif %}"#;

#[test]
fn templates_written_like_real_models_stay_clean() {
    for t in [CHATML_TOOLS, NAMESPACE_THINKING, LLAMA_STYLE, SCHEMA_MACRO] {
        assert_eq!(graded(t), vec![], "{t}");
    }
}

#[test]
fn a_chain_of_a_million_operators_is_scanned_not_parsed() {
    // Its syntax tree would be a million deep: parsing, walking or dropping it overflowed the
    // stack and aborted the whole scan. The tag is scanned token by token instead.
    let start = Instant::now();
    for chain in [
        format!("{{{{ {} }}}}", vec!["'a'"; 1_000_000].join(" ~ ")),
        format!("{{{{ {}1 }}}}", "-".repeat(1_000_000)),
        format!("{{{{ x{} }}}}", "|lower".repeat(1_000_000)),
        format!("{{% set x = {} %}}", vec!["{'k': {}}"; 100_000].join(" ~ ")),
    ] {
        let r = scan_template(&chain);
        let got: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.rule.id, f.severity, f.evidence.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(
                "chat-template-unparsable",
                Severity::High,
                "a tag with more than 2000 tokens, from line 1"
            )]
        );
    }
    // Padding a computed-name escape past the bound does not lower it below high.
    let padded = format!(
        "{{{{ {} ~ (x|attr('_'*2 ~ 'class' ~ '_'*2)) }}}}",
        vec!["''"; 1200].join(" ~ ")
    );
    assert!(
        graded(&padded).contains(&("chat-template-unparsable", Severity::High)),
        "{:?}",
        graded(&padded)
    );
    // The same chain in a tag of ordinary length parses.
    let short = format!("{{{{ {} }}}}", vec!["'a'"; 500].join(" ~ "));
    assert_eq!(graded(&short), vec![]);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

#[test]
fn folding_stays_bounded() {
    let start = Instant::now();
    // Doubling a string 40 times, a loop over a list built to a billion items, a
    // range of a billion, nested loops over literal lists: all folding stops at its bounds.
    let blowup = "{% set s = 'ab' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}\
        {% set l = [1] * 1000000000 %}{% for x in l %}{{ x }}{% endfor %}\
        {% for i in range(1000000000) %}{{ i }}{% endfor %}\
        {% for a in [1,2,3,4,5,6,7,8] %}{% for b in [1,2,3,4,5,6,7,8] %}{% for c in [1,2,3,4,5,6,7,8] %}\
        {% for d in [1,2,3,4,5,6,7,8] %}{% set ns = namespace(x=a ~ b ~ c ~ d) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
    assert_eq!(graded(blowup), vec![]);
    // Many branches, each copying a large environment.
    let mut many = String::new();
    for i in 0..300 {
        many.push_str(&format!("{{% set v{i} = '{}' %}}", "x".repeat(1000)));
    }
    many.push_str(&"{% if a %}{% set y = 1 %}{% endif %}".repeat(20_000));
    assert_eq!(graded(&many), vec![]);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

/// A computed-name escape, appended to templates below.
const COMPUTED_ESCAPE: &str = "{{ ''|attr('_'*2+'class'+'_'*2)|attr('_'*2+'mro'+'_'*2) }}";

/// An assistant-mask template in the style of real ones (transformers' `{% generation %}`
/// extension, `return_assistant_tokens_mask=True`).
const GENERATION_MASK: &str = r#"{%- for message in messages %}
{%- if message['role'] == 'assistant' %}
{{- '<|im_start|>assistant\n' }}
{%- generation %}
{{- message['content'] + '<|im_end|>\n' }}
{%- endgeneration %}
{%- else %}
{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}"#;

/// transformers' extension tags `{% generation %}` / `{% endgeneration %}` only wrap content:
/// a real template using them is clean, and an escape after them is judged (critical), on the
/// line where it is.
#[test]
fn generation_tags_are_transformers_syntax() {
    assert_eq!(graded(GENERATION_MASK), vec![]);
    let t = format!("{GENERATION_MASK}\n{COMPUTED_ESCAPE}");
    let r = scan_template(&t);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "chat-template-sandbox-escape")
        .expect("escape found");
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.location.span == Some(airlock::finding::Span::Line { line: 12 }),
        "{:?}",
        f.location
    );
    assert!(r
        .findings
        .iter()
        .all(|f| f.rule.id != "chat-template-unparsable"));
}

/// Jinja2 takes Unicode identifiers; minijinja's lexer does not. The template still parses, so
/// the computed escape after it is critical.
#[test]
fn unicode_identifiers_parse() {
    let t = format!("{{% set café = 1 %}}{{{{ café }}}}{COMPUTED_ESCAPE}");
    assert_eq!(
        graded(&t),
        vec![("chat-template-sandbox-escape", Severity::Critical)]
    );
}

/// A template minijinja rejects (an unknown tag) is unparsable (low), and the fallback still
/// folds computed names, also those built in a variable.
#[test]
fn unparsable_templates_still_fold_computed_names() {
    for t in [
        format!("{{% frobnicate %}}{COMPUTED_ESCAPE}"),
        "{% for m in messages %}{% frobnicate %}{% endfor %}{% set u = '_' * 2 %}{{ ''|attr(u ~ 'class' ~ u)|attr(u ~ 'mro' ~ u) }}".to_string(),
        format!("{{% if x %}}{{% frobnicate %}}{{% endif %}}{{% if {} %}}{{% endif %}}", &COMPUTED_ESCAPE[3..COMPUTED_ESCAPE.len() - 3]),
    ] {
        let got = graded(&t);
        assert!(
            got.contains(&("chat-template-unparsable", Severity::Low))
                && got.contains(&("chat-template-sandbox-escape", Severity::Critical)),
            "{t}: {got:?}"
        );
    }
}

/// The tester's shapes (session 9): `lipsum.__globals__.os.popen` with `__globals__` (and then
/// every name) built by Python `str` methods. Each is critical, as the plain escape is.
const STR_METHOD_ESCAPES: &[&str] = &[
    "{{ lipsum['globals'.center(11, '_')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['{0:_^11}'.format('globals')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['{0:c}{0:c}globals{0:c}{0:c}'.format(95)]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['globals'.ljust(9, '_').rjust(11, '_')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['__GLOBALS__'.lower()]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['__GLOBALS__'.swapcase()]['OS'.swapcase()].popen('echo airlock-test').read() }}",
    "{{ lipsum['%(u)sglobals%(u)s' % {'u': '__'}]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum[(['__globals__']|string)[2:13]]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['_ _ g l o b a l s _ _'.split()|join]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['__globals__'.replace('', '')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['{u}globals{u}'.format_map({'u': '__'})]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['%(u)sglobals%(u)s'|format(u='__')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['globals'|center(11)|replace(' ', '_')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['__GLOBALS__'.casefold()]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['x__globals__'.removeprefix('x')]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['a:__globals__'.partition(':')[2]]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['__globals__,x'.rsplit(',', 1)[0]]['os'].popen('echo airlock-test').read() }}",
    "{{ lipsum['globals'.zfill(9).replace('0', '_') ~ '__']['os'].popen('echo airlock-test').read() }}",
    // Every name built: the fully obfuscated template, after a real ChatML loop.
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}\
     {% set g = 'GLOBALS'.swapcase().center(11, '_') %}{% set m = 'OS'.swapcase() %}{% set f = 'POPEN'.swapcase() %}\
     {{ (lipsum[g][m]|attr(f))('echo airlock-test').read() }}",
    "{% set g = 'GLOBALS'.swapcase().center(11, '_') %}{% set m = 'OS'.swapcase() %}{% set f = 'POPEN'.swapcase() %}\
     {{ ((((lipsum|attr(g))|attr('__getitem__'))(m)|attr(f))('echo airlock-test')|attr('read'))() }}",
];

#[test]
fn str_method_names_are_critical() {
    for t in STR_METHOD_ESCAPES {
        let got = escape(t);
        assert!(
            matches!(&got, Some((Severity::Critical, what)) if what.contains("__globals__")),
            "{t}: {got:?}"
        );
    }
}

/// An attribute or item of unknown name (one no folding computes) taken from what reaches Python
/// internals is judged as if it were a dunder: high alone, critical with a module or
/// code-execution name, and the evidence names the expression.
#[test]
fn an_unknown_name_on_internals_is_an_escape() {
    // A string trick the folder does not model (`wordwrap`), and conversation data as the key.
    for (t, severity, what) in [
        (
            "{% set g = '__glo bals__'|wordwrap(5) %}{{ lipsum[g]['os'].popen('echo airlock-test') }}",
            Severity::Critical,
            "lipsum[g] (key not computable)",
        ),
        (
            "{{ lipsum[messages[0]['content']] }}",
            Severity::High,
            "lipsum[messages[0]['content']] (key not computable)",
        ),
        (
            "{{ cycler|attr(x)|attr(y) }}",
            Severity::High,
            "cycler|attr(x) (name not computable)",
        ),
        (
            "{{ ()|attr(x) }}",
            Severity::High,
            "()|attr(x) (name not computable)",
        ),
        // An alias of a gadget, a namespace instance, a macro, a loop over a dunder's value.
        (
            "{% set l = lipsum %}{{ l[x] }}",
            Severity::High,
            "l[x] (key not computable)",
        ),
        (
            "{% set ns = namespace(a=1) %}{{ ns.a }}{{ ns[x] }}",
            Severity::High,
            "ns[x] (key not computable)",
        ),
        (
            "{% macro m() %}{% endmacro %}{{ m|attr(x) }}",
            Severity::High,
            "m|attr(x) (name not computable)",
        ),
        (
            "{{ lipsum.get(x) }}",
            Severity::High,
            "lipsum.get(x) (key not computable)",
        ),
        (
            "{{ [lipsum]|map(attribute=x)|first }}",
            Severity::High,
            "[lipsum]|map(attribute=x) (name not computable)",
        ),
        (
            "{{ range|attr(x) }}{{ loop[x] }}{{ raise_exception[x] }}",
            Severity::High,
            "range|attr(x) (name not computable)",
        ),
        (
            "{{ lipsum.__globals__.get(k).popen('echo airlock-test') }}",
            Severity::Critical,
            "lipsum.__globals__.get(k) (key not computable)",
        ),
    ] {
        let r = scan_template(t);
        let f = r
            .findings
            .iter()
            .find(|f| f.rule.id == "chat-template-sandbox-escape")
            .unwrap_or_else(|| panic!("not reported: {t}"));
        assert_eq!(f.severity, severity, "{t}");
        assert!(f.message.contains(what), "{t}: {}", f.message);
        assert!(!f.evidence.is_empty(), "{t}");
    }
}

/// Subscripts and attributes that real templates take of conversation data, namespaces and the
/// loop with names that depend on the input stay clean.
#[test]
fn unknown_keys_on_conversation_data_stay_clean() {
    let t = r#"{% set ns = namespace(system='', roles=['user', 'assistant']) %}
{%- for message in messages %}
{%- set key = 'content' if message['content'] is defined else 'text' %}
{{- message[key] ~ messages[loop.index0 - 1]['role'] ~ ns.roles[loop.index0 % 2] ~ 'ABCD'[loop.index0] }}
{%- for k in message %}{{ k ~ message[k] | string }}{% endfor %}
{%- if tools %}{% for t in tools %}{{ t['function'][message['role']] | tojson }}{% endfor %}{% endif %}
{%- set ns.system = ns.system ~ message.content %}
{%- endfor %}
{{- raise_exception('bad role') if ns.system == 'x' }}{{ strftime_now('%Y') }}{{ loop_messages | length }}"#;
    assert_eq!(graded(t), vec![], "{t}");
}

/// A call right after a filter (`x|attr('a')(m)`) is Jinja2 syntax minijinja's parser rejects;
/// it is read as `(x|attr('a'))(m)`, so the template parses and a gadget taken through a filter
/// is an escape (high) with no unknown names around it.
#[test]
fn a_call_after_a_filter_is_not_clean() {
    let t = "{{ lipsum|attr(g)|attr('__getitem__')(m)|attr(f)('echo airlock-test') }}";
    let got = graded(t);
    assert!(
        got.contains(&("chat-template-sandbox-escape", Severity::High))
            && !got.iter().any(|(id, _)| *id == "chat-template-unparsable"),
        "{got:?}"
    );
}

/// Tester round 10, A2: the escape with every dunder built from pieces and a call on the last
/// filter's result (`...|attr(n)()`, the CVE-2024-34359 shape). The tag used to be blanked by
/// the fallback, as minijinja rejects the call, leaving only a low `chat-template-unparsable`.
const CALLED_FILTER_ESCAPES: &[&str] = &[
    "{{ ''|attr('__cla' ~ 'ss__')|attr('__ba' ~ 'se__')|attr('__subcla' ~ 'sses__')() }}",
    "{% set u = '%c'|format(95) %}{{ ()|attr(u*2 ~ 'class' ~ u*2)|attr(u*2 ~ 'base' ~ u*2)|attr(u*2 ~ 'subclasses' ~ u*2)() }}",
    "{{ ()|attr('XXclassXX'|replace('X','_'))|attr('XXbaseXX'|replace('X','_'))|attr('XXsubclassesXX'|replace('X','_'))() }}",
    "{{ ()|attr('__ssalc__'|reverse)|attr('__esab__'|reverse)|attr('__sessalcbus__'|reverse)() }}",
    "{{ ()|attr('__CLASS__'|lower)|attr('__BASE__'|lower)|attr('__SUBCLASSES__'|lower)() }}",
    // Calls at several places of one chain, and inside a statement.
    "{% set s = ()|attr('__cla' ~ 'ss__')|attr('__ba' ~ 'se__')|attr('__subcla' ~ 'sses__')()|first() %}{{ s }}",
    "{{ (()|attr('__cla' ~ 'ss__')|attr('__ba' ~ 'se__')|attr('__subcla' ~ 'sses__')())[0] }}",
];

#[test]
fn a_call_on_a_filter_result_does_not_hide_computed_names() {
    for t in CALLED_FILTER_ESCAPES {
        let got = graded(t);
        assert_eq!(
            got,
            vec![("chat-template-sandbox-escape", Severity::Critical)],
            "{t}"
        );
        assert_eq!(
            escape(t).map(|(_, reached)| reached),
            Some("__base__, __class__, __subclasses__".to_string()),
            "{t}"
        );
    }
    // The same in a tokenizer config.
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("tokenizer_config.json");
    let config = serde_json::json!({ "chat_template": CALLED_FILTER_ESCAPES[0] });
    std::fs::write(&p, config.to_string()).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    let got: Vec<_> = r.findings.iter().map(|f| (f.rule.id, f.severity)).collect();
    assert_eq!(
        got,
        vec![("chat-template-sandbox-escape", Severity::Critical)]
    );
}

/// Calls on filter results in the way templates write them (`|trim()`, filter arguments, a
/// call of a function passed through `default`) stay clean, and parse.
#[test]
fn benign_calls_after_filters_stay_clean() {
    for t in [
        "{% for message in messages %}{{ message|attr('content')|trim() }}{{ message['role']|string() }}{% endfor %}",
        "{{ strftime_now|default(none)('%Y-%m-%d') }}",
        "{% for m in messages %}{{ m.content|replace('a', 'b')|trim()|length }}{% endfor %}{{ raise_exception|default(none)('bad role') if messages|length > 9 }}",
    ] {
        assert_eq!(graded(t), vec![], "{t}");
    }
}

/// The introspection attributes Jinja2's sandbox refuses are escape steps like dunders: a
/// filter's generator frame reaches the builtins (`gi_frame.f_builtins`), with no dunder in the
/// template (tester t9).
#[test]
fn generator_frames_are_escapes() {
    for (t, reached) in [
        (
            "{{ (range(1)|select).gi_frame.f_builtins.open('/etc/passwd').read() }}",
            "f_builtins, gi_frame",
        ),
        (
            "{% set b = (messages|map(attribute='role')).gi_frame.f_builtins %}{% for k, v in b|items %}{% if k.startswith('exe') %}{{ v('echo') }}{% endif %}{% endfor %}",
            "f_builtins, gi_frame",
        ),
        (
            "{{ (messages|map('string')).gi_frame.f_back.f_globals }}",
            "f_back, f_globals, gi_frame",
        ),
    ] {
        assert_eq!(
            escape(t),
            Some((Severity::Critical, reached.to_string())),
            "{t}"
        );
    }
    // A template variable or message key that merely shares a prefix stays clean.
    let benign = "{% for m in messages %}{{ m['role'] }}{{ m.f_name }}{{ m.code }}{% endfor %}";
    assert_eq!(graded(benign), vec![]);
}

/// Filters that look up an attribute path split it on dots (`map(attribute='a.b')`, `sort`,
/// `selectattr`, `groupby`, `sum`, `unique`), and `str.format` follows `.name` and `[key]` in
/// its replacement fields: an escape step in either is graded like the plain spelling (tester
/// t13). Dotted paths of ordinary keys and format strings of plain fields stay clean.
#[test]
fn escape_steps_in_attribute_paths_and_format_fields_are_found() {
    for t in [
        "{{ [''] | sort(attribute='__class__.__name__') }}",
        "{{ [cycler] | map(attribute='__init__.__globals__') | list }}",
        "{{ [cycler] | selectattr('__init__.__globals__') | list }}",
        "{{ [cycler] | groupby('__init__.__globals__') }}",
        "{{ {'a': cycler} | dictsort | map(attribute='1.__init__.__globals__') | list }}",
        "{{ '{0.__class__}'.format('') }}",
        "{{ '{0.__init__.__globals__[os]}'.format(cycler) }}",
        "{{ 'x {x.__class__} y'.format_map({'x': ''}) }}",
    ] {
        let got = escape(t);
        assert!(
            got.as_ref().is_some_and(|(s, _)| *s >= Severity::High),
            "{t}: {got:?}"
        );
    }
    for t in [
        "{% for m in messages|sort(attribute='meta.index') %}{{ m.content }}{% endfor %}",
        "{{ messages|map(attribute='function.name')|join(', ') }}",
        "{{ 'Today is {0} at {1}.'.format(date, time) }}",
        "{{ '{name}: {value}'.format(name=m.role, value=m.content) }}",
        "{{ 'See __init__.py for details' }}",
    ] {
        assert_eq!(graded(t), vec![], "{t}");
    }
}

/// A tokenizer config padded with an array nested past serde_json's 128 levels (Python's
/// `json` reads it) is read for its shallow keys: the template beside the pad is judged, and
/// the pad is a low `resource-limit` (tester t22 e_tok129). The same pad in a `pyproject.toml`
/// past the `toml` crate's 80 levels does not hide a build requirement over HTTP.
#[test]
fn a_deep_dummy_value_does_not_hide_the_keys_beside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pad = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let json = format!(
        "{{\"pad\": {pad}, \"chat_template\": \"{{{{ cycler.__init__.__globals__.os.popen('echo airlock-test').read() }}}}\"}}"
    );
    let p = dir.path().join("tokenizer_config.json");
    std::fs::write(&p, json).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.worst().is_some_and(|w| w >= Severity::High),
        "{:?}",
        r.findings
            .iter()
            .map(|f| (f.rule.id, f.severity))
            .collect::<Vec<_>>()
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule.id == "resource-limit" && f.severity == Severity::Low));
    let toml = format!(
        "[build-system]\nrequires = [\"helper @ http://pkgs.example.invalid/helper-1.0.tar.gz\"]\n[tool.pad]\nx = {pad}\n"
    );
    let p = dir.path().join("pyproject.toml");
    std::fs::write(&p, toml).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "requirements-extra-index" && f.severity == Severity::Medium),
        "{:?}",
        r.findings
            .iter()
            .map(|f| (f.rule.id, f.severity))
            .collect::<Vec<_>>()
    );
}

/// Jinja's `self` renders the template's own blocks (`self.footer()`, `self['footer']`), which
/// a sandbox allows: nbconvert's HTML templates call `self.output_area_prompt()`. Only its
/// private attributes leave the template, and stay an escape.
#[test]
fn a_block_called_through_self_is_not_an_escape() {
    let blocks = "{% block prompt %}>>>{% endblock %}{% for m in messages %}{{ self.prompt() }}{{ self['prompt']() }}{{ m.content }}{% endfor %}";
    assert_eq!(graded(blocks), vec![], "{blocks}");
    let private = "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('echo x').read() }}";
    assert_eq!(
        escape(private).map(|e| e.0),
        Some(Severity::Critical),
        "{private}"
    );
    // The token scan of an unparsable template judges `self.` the same way.
    let broken = "{% for m in messages %}{{ self.prompt() }}{% endfor";
    assert!(
        graded(broken)
            .iter()
            .all(|(id, s)| *id == "chat-template-unparsable" && *s == Severity::Low),
        "{:?}",
        graded(broken)
    );
    let broken_private = "{{ self._TemplateReference__context }}{% for m in messages %}";
    assert!(
        graded(broken_private)
            .iter()
            .any(|(id, s)| *id == "chat-template-sandbox-escape" && *s >= Severity::High),
        "{:?}",
        graded(broken_private)
    );
}

/// `__name__` and its kin are strings: a code generator's template prints
/// `param.default.__name__` (torch_geometric's `collect.jinja`). Alone they are low; beside a
/// dunder that reaches modules they stay medium, as before.
#[test]
fn an_inert_dunder_alone_is_low() {
    let t = "{% for p in params %}{% if '_empty' not in p.default.__name__ %}{{ p.name }} = {{ p.default }}{% endif %}{% endfor %}";
    assert_eq!(
        graded(t),
        vec![("chat-template-suspicious-access", Severity::Low)],
        "{t}"
    );
    let escape_too = "{{ x.__class__.__name__ }}{{ ''.__class__.__mro__[1].__subclasses__() }}";
    assert_eq!(
        graded(escape_too),
        vec![
            ("chat-template-sandbox-escape", Severity::Critical),
            ("chat-template-suspicious-access", Severity::Medium)
        ]
    );
}

/// A LaTeX template written for nbconvert's `((* *))` delimiters has `{%` in TeX macros that
/// never closes: the tag runs to the end, past the token bound. Jinja2 cannot render it with
/// the default delimiters either, so the bound is low; the same length in a tag that closes
/// stays high.
#[test]
fn an_overlong_tag_that_never_closes_is_low() {
    let mut tex = String::from("\\AtBeginDocument{%\n  \\def\\Gread#1{%\n");
    for i in 0..800 {
        tex.push_str(&format!(
            "\\newcommand{{\\Tok{i}}}[1]{{\\textcolor{{blue}}{{##1}}}}\n"
        ));
    }
    let got = graded(&tex);
    assert_eq!(
        got,
        vec![("chat-template-unparsable", Severity::Low)],
        "{got:?}"
    );
    // Closed outside brackets (the `{` of `\Gread#1{` is still open).
    let closed = format!("{tex}}}%}}");
    let got = graded(&closed);
    assert!(
        got.contains(&("chat-template-unparsable", Severity::High)),
        "{got:?}"
    );
}

/// A variable the template binds itself (`set`, `for`, `with`, a macro's parameters) is its
/// own, whatever its name: `{% for sys in messages %}` reads messages, not Python's `sys`
/// (tester t27 t9). The same names unbound, and escapes through them, are still graded.
#[test]
fn names_the_template_binds_are_its_own_variables() {
    for name in [
        "sys",
        "os",
        "eval",
        "exec",
        "compile",
        "globals",
        "getattr",
        "subprocess",
    ] {
        let set = format!(
            "{{%- set {name} = messages|selectattr('role','equalto','system')|list %}}{{%- if {name} %}}{{{{ {name}[0]['content'] }}}}{{%- endif %}}{{%- for m in messages %}}{{{{ m['content'] }}}}{{%- endfor %}}"
        );
        let looped = format!(
            "{{%- for {name} in messages if {name}.role == 'system' %}}{{{{ {name}.content }}}}{{%- endfor %}}"
        );
        let macro_arg = format!(
            "{{%- macro show({name}) %}}<<SYS>>{{{{ {name} }}}}<</SYS>>{{%- endmacro %}}{{%- for m in messages %}}{{{{ show(m.content) }}}}{{%- endfor %}}"
        );
        let with =
            format!("{{%- with {name} = messages[0] %}}{{{{ {name}.content }}}}{{%- endwith %}}");
        for t in [set, looped, macro_arg, with] {
            let r = scan_template(&t);
            assert!(
                r.findings.iter().all(|f| f.severity < Severity::Medium),
                "{t}: {:?}",
                graded(&t)
            );
        }
        // Not bound by the template: the name alone is still suspicious.
        let unbound = format!("{{{{ {name} }}}}");
        assert!(
            graded(&unbound).iter().any(|(_, s)| *s >= Severity::Medium),
            "{unbound}"
        );
    }
    // Binding a name does not hide an escape through it.
    let escape_via =
        "{%- set os = cycler.__init__.__globals__.os %}{{ os.popen('echo hi').read() }}";
    assert!(
        graded(escape_via).iter().any(|(_, s)| *s >= Severity::High),
        "{:?}",
        graded(escape_via)
    );
}

/// Tester t28 B2: a string compared with a value (`==`, `!=`, `in`, a comparison test, the
/// value of `selectattr(…, 'equalto', …)`) is neither an attribute nor a key: a template that
/// refuses tools named `exec` or `eval` stays clean. The same names looked up as attributes or
/// keys, or reached through a comparison's other operand, are still graded.
#[test]
fn regression_t28_b2_compared_strings_are_not_lookups() {
    let tools = "{%- for message in messages %}{{- message.content }}{%- endfor %}{%- if tools %}{%- for t in tools %}";
    let end = "{%- endfor %}{%- endif %}";
    for test in [
        "{%- if t.function.name == 'exec' or t.function.name == 'eval' %}{{- raise_exception('tool name ' + t.function.name + ' is reserved') }}{%- endif %}",
        "{%- if t.function.name != 'os' and t.function.name not in ['subprocess', 'eval'] %}{{- t.function.name }}{%- endif %}",
        "{%- if t.function.name in ('ex' ~ 'ec', '__import__') %}{{- raise_exception('reserved') }}{%- endif %}",
        "{%- if t.function.name is eq('exec') or t.function.name is in(['eval', 'compile']) %}{{- raise_exception('reserved') }}{%- endif %}",
        "{%- for f in tools|selectattr('function.name', 'equalto', 'exec') %}{{- raise_exception('reserved') }}{%- endfor %}",
        "{%- if '__class__' == t.function.name %}{{- raise_exception('reserved') }}{%- endif %}",
    ] {
        let t = format!("{tools}{test}{end}");
        assert_eq!(graded(&t), Vec::new(), "{t}");
    }
    // Lookups of the same names are still findings.
    for (t, at_least) in [
        ("{{ t.function['exec'] }}", Severity::Medium),
        ("{{ t.function|attr('eval') }}", Severity::Medium),
        ("{{ t.function.exec }}", Severity::Medium),
        // A comparison does not hide a lookup in its other operand.
        (
            "{% if t|attr('__class__') == 'x' %}hi{% endif %}",
            Severity::Medium,
        ),
        (
            "{% if cycler.__init__.__globals__.os == 'exec' %}hi{% endif %}",
            Severity::High,
        ),
    ] {
        assert!(
            graded(t).iter().any(|(_, s)| *s >= at_least),
            "{t}: {:?}",
            graded(t)
        );
    }
}
