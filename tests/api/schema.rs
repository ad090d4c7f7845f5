//! `schema.graphql` is the SDL the server serves; regenerate it with `UPDATE_SCHEMA=1 cargo test`.

#[test]
fn schema_graphql_matches_the_served_schema() {
    let served = api::graphql::sdl();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &served).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test --test api schema` and commit it"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let (app, _db) = crate::helpers::spawn_app().await;
    let data = app
        .data(
            "{ __schema { types { name kind description
                fields { name description args { name description } }
                inputFields { name description } enumValues { name description } } } }",
            serde_json::json!({}),
        )
        .await;
    let mut undocumented = Vec::new();
    let blank = |v: &serde_json::Value| v["description"].as_str().is_none_or(|d| d.trim().is_empty());
    for ty in data["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        let builtin = name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name);
        if builtin {
            continue;
        }
        // async-graphql gives its generated `*Connection` types no description (their fields have one).
        let generated = name.ends_with("Connection");
        let root = ["Query", "Mutation", "Subscription"].contains(&name);
        if blank(ty) && !root && !generated {
            undocumented.push(name.to_owned());
        }
        for list in ["fields", "inputFields", "enumValues"] {
            for item in ty[list].as_array().into_iter().flatten() {
                if blank(item) {
                    undocumented.push(format!("{name}.{}", item["name"].as_str().unwrap()));
                }
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}
