//! The parser on hostile and tricky input, and the evaluator on small tables.

use serde_json::{json, Value};

use super::*;

fn syntax(query: &str) -> (usize, usize, String) {
    match parse(query) {
        Err(KqlError::Syntax { line, column, token }) => (line, column, token),
        other => panic!(
            "expected a syntax error for {:?}…, got {other:?}",
            &query[..query.len().min(80)]
        ),
    }
}

fn table() -> Table {
    let columns = vec![
        Column::new("id", ColumnType::String),
        Column::new("name", ColumnType::String),
        Column::new("properties", ColumnType::Dynamic),
    ];
    let row = |id: &str, name: &str, properties: Value| vec![json!(id), json!(name), properties];
    Table {
        columns,
        rows: vec![
            row(
                "/a",
                "Alpha-prod",
                json!({"n": 3, "flag": true, "list": ["x", "y"]}),
            ),
            row("/b", "beta", json!({"n": 10, "flag": false})),
            row("/c", "gamma prod", json!({})),
        ],
    }
}

fn run(query: &str) -> Result<Table, KqlError> {
    execute(&parse(query)?, table())
}

fn column(t: &Table, name: &str) -> Vec<Value> {
    let i = t.columns.iter().position(|c| c.name == name).expect("column");
    t.rows.iter().map(|r| r[i].clone()).collect()
}

#[test]
fn unbalanced_parentheses_are_syntax_errors() {
    assert_eq!(syntax("resources | where (name == 'a'"), (1, 30, "<EOF>".into()));
    assert_eq!(syntax("resources | where name == 'a')"), (1, 29, ")".into()));
    assert_eq!(syntax("resources | where ()"), (1, 19, ")".into()));
}

#[test]
fn unterminated_strings_point_at_their_quote() {
    let (line, column, token) = syntax("resources\n| where name == 'abc");
    assert_eq!((line, column), (2, 16));
    assert!(token.starts_with("'abc"), "{token}");
    assert_eq!(syntax(r#"resources | where name == "a\")"#).1, 26);
    // A bad escape is reported at the backslash.
    assert_eq!(syntax(r"resources | where name == 'a\q'").1, 28);
}

#[test]
fn ten_thousand_nested_parentheses_fail_cleanly() {
    let query = format!(
        "resources | where {}name == 'a'{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let (_, column, token) = syntax(&query);
    assert_eq!(token, "(");
    // The first parenthesis the parser refuses is the one past the limit.
    assert_eq!(column, "resources | where ".len() + MAX_DEPTH);
    let calls = format!(
        "resources | where {}true{}",
        "not(".repeat(10_000),
        ")".repeat(10_000)
    );
    syntax(&calls);
    let lists = format!("resources | where {}", "name in (".repeat(1_000));
    syntax(&lists);
}

#[test]
fn long_flat_chains_parse_without_deep_recursion() {
    let ors = vec!["name == 'x'"; 3_000].join(" or ");
    assert!(parse(&format!("resources | where {ors}")).is_ok());
    let path = format!("resources | project properties{}", ".a".repeat(10_000));
    assert!(parse(&path).is_ok());
}

#[test]
fn oversized_queries_and_literals_are_refused() {
    let huge = format!("resources | where name == '{}'", "a".repeat(MAX_QUERY_LEN));
    assert_eq!(parse(&huge), Err(KqlError::TooLong { limit: MAX_QUERY_LEN }));
    let (_, _, token) = syntax(&format!("resources | take {}", "9".repeat(1_000)));
    assert_eq!(token.len(), 64);
    syntax("resources | take 5d");
}

#[test]
fn unsupported_operators_name_the_operator() {
    assert_eq!(
        syntax("resources | summarize count() by location"),
        (1, 12, "summarize".into())
    );
    assert_eq!(syntax("resources | project-rename a = b").2, "project-rename");
    assert_eq!(syntax("resources | join (resources) on id").2, "join");
    assert_eq!(syntax("resources | where a + b").2, "+");
    assert_eq!(syntax("").2, "<EOF>");
    assert_eq!(syntax("resources |").2, "<EOF>");
    assert_eq!(syntax("resources | where name == 'a' extra").2, "extra");
    assert_eq!(syntax("resources | order name").2, "name");
}

#[test]
fn non_ascii_text_is_handled_in_strings_and_errors() {
    let t = run("resources | where name != 'ünïcødé ✓' | count").unwrap();
    assert_eq!(t.rows, vec![vec![json!(3)]]);
    let (_, column, token) = syntax("résources");
    assert_eq!((column, token.as_str()), (1, "é"));
}

#[test]
fn where_supports_the_documented_predicates() {
    let names = |q: &str| column(&run(q).unwrap(), "name");
    assert_eq!(
        names("resources | where name contains 'PROD'"),
        vec![json!("Alpha-prod"), json!("gamma prod")]
    );
    assert_eq!(
        names("resources | where name contains_cs 'PROD'"),
        Vec::<Value>::new()
    );
    assert_eq!(
        names("resources | where name !contains 'prod'"),
        vec![json!("beta")]
    );
    assert_eq!(names("resources | where name =~ 'BETA'"), vec![json!("beta")]);
    assert_eq!(names("resources | where name == 'BETA'"), Vec::<Value>::new());
    assert_eq!(
        names("resources | where name !~ 'BETA' and name startswith 'g'"),
        vec![json!("gamma prod")]
    );
    assert_eq!(
        names("resources | where name in ('beta', 'x')"),
        vec![json!("beta")]
    );
    assert_eq!(names("resources | where name in~ ('BETA')"), vec![json!("beta")]);
    assert_eq!(names("resources | where name !in ('beta')").len(), 2);
    assert_eq!(
        names("resources | where name has 'prod'"),
        vec![json!("Alpha-prod"), json!("gamma prod")]
    );
    assert_eq!(names("resources | where name has 'pro'"), Vec::<Value>::new());
    assert_eq!(names("resources | where properties.n > 5"), vec![json!("beta")]);
    assert_eq!(
        names("resources | where tobool(properties.flag)"),
        vec![json!("Alpha-prod")]
    );
    assert_eq!(
        names("resources | where not(tobool(properties.flag))"),
        vec![json!("beta")]
    );
    assert_eq!(
        names("resources | where isempty(properties.flag)"),
        vec![json!("gamma prod")]
    );
    assert_eq!(
        names("resources | where isnotempty(properties.flag) and (name == 'beta' or name == \"Alpha-prod\")")
            .len(),
        2
    );
    assert_eq!(
        names("resources | where properties['list'][-1] == 'y'"),
        vec![json!("Alpha-prod")]
    );
    assert_eq!(names("where name endswith 'TA'"), vec![json!("beta")]);
}

#[test]
fn project_extend_sort_take_and_count() {
    let t = run(
        "resources | extend n = toint(properties.n) | project name, n, properties.flag, s = tostring(properties.missing) \
         | order by n desc | take 2",
    )
    .unwrap();
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["name", "n", "properties_flag", "s"]);
    assert_eq!(t.columns[1].kind, ColumnType::Long);
    assert_eq!(t.columns[2].kind, ColumnType::Dynamic);
    assert_eq!(
        t.rows,
        vec![
            vec![json!("beta"), json!(10), json!(false), json!("")],
            vec![json!("Alpha-prod"), json!(3), json!(true), json!("")],
        ]
    );
    // Nulls sort last when descending; `order by` defaults to descending.
    let t = run("resources | project n = toint(properties.n) | sort by n").unwrap();
    assert_eq!(column(&t, "n"), vec![json!(10), json!(3), Value::Null]);
    let t = run("resources | project n = toint(properties.n) | order by n asc").unwrap();
    assert_eq!(column(&t, "n"), vec![Value::Null, json!(3), json!(10)]);
    let t = run("resources | project-away properties | where id != '/b' | count").unwrap();
    assert_eq!(
        (t.columns[0].name.as_str(), &t.rows),
        ("Count", &vec![vec![json!(2)]])
    );
    let t = run("resources | project tobool(properties.none), tolower(name)").unwrap();
    assert_eq!(t.columns[0].name, "Column1");
    assert_eq!(t.columns[1].name, "Column2");
    assert_eq!(t.rows[0], vec![Value::Null, json!("alpha-prod")]);
}

#[test]
fn semantic_errors_name_what_is_missing() {
    let err = |q: &str| match run(q) {
        Err(KqlError::Semantic(message)) => message,
        other => panic!("expected a semantic error for {q:?}, got {other:?}"),
    };
    assert!(err("resources | where nme == 'a'").contains("'nme'"));
    assert!(err("resources | where name").contains("bool"));
    assert!(err("resources | project x = frobnicate(name)").contains("frobnicate"));
    assert!(err("resources | project tostring()").contains("argument"));
    assert!(err("resources | project name, name").contains("Duplicate"));
    assert!(err("resources | project a = name | where name == 'x'").contains("'name'"));
}
