//! The schema as the isolation and role matrices see it: its root fields, the `ID` arguments each
//! takes (directly or inside an input object), and operations that select everything reachable from a
//! field, or only its `__typename`.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::TestApp;

const INTROSPECTION: &str = "{ __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { name kind possibleTypes { name }
      fields { name args { name type { ...T } } type { ...T } }
      inputFields { name type { ...T } } } } }
  fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// Page size of every generated nested connection.
const PAGE: usize = 3;

/// How many times one type may appear on a path of a generated selection (so that `Task`'s
/// dependencies' dependencies are read, and the recursion ends).
const REPEATS: usize = 2;

/// How many object levels a generated selection goes down (the server's default depth limit is 16).
/// Every object type is within this of the roots that read it; each level deeper multiplies the
/// selection (at 9, `Workflow`'s reached about 10,000 objects, read on one SQLite connection).
const DEPTH: usize = 6;

/// The introspected schema.
pub struct Schema {
    types: HashMap<String, Value>,
    roots: [(&'static str, Option<String>); 3],
}

/// The name of the named type inside `ty`'s `NON_NULL` and `LIST` wrappers.
fn named(ty: &Value) -> &str {
    match ty["name"].as_str() {
        Some(name) => name,
        None => named(&ty["ofType"]),
    }
}

impl Schema {
    /// Introspects `app`'s schema.
    pub async fn load(app: &TestApp) -> Schema {
        let data = app.data(INTROSPECTION, json!({})).await;
        let schema = &data["__schema"];
        let types = schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        let root = |key: &str| schema[key]["name"].as_str().map(str::to_owned);
        Schema {
            types,
            roots: [
                ("query", root("queryType")),
                ("mutation", root("mutationType")),
                ("subscription", root("subscriptionType")),
            ],
        }
    }

    fn fields(&self, type_name: &str) -> &[Value] {
        self.types[type_name]["fields"].as_array().map(Vec::as_slice).unwrap_or_default()
    }

    fn kind(&self, type_name: &str) -> &str {
        self.types[type_name]["kind"].as_str().unwrap()
    }

    fn root_field(&self, operation: &str, field: &str) -> &Value {
        let (_, root) = self.roots.iter().find(|(kind, _)| *kind == operation).expect("an operation kind");
        let root = root.as_deref().unwrap_or_else(|| panic!("no {operation} type"));
        self.fields(root).iter().find(|f| f["name"] == field).unwrap_or_else(|| panic!("no {operation} field {field}"))
    }

    /// Every root field as (operation kind, field name).
    pub fn root_fields(&self) -> BTreeSet<(&'static str, String)> {
        self.roots
            .iter()
            .filter_map(|(kind, root)| root.as_deref().map(|root| (*kind, root)))
            .flat_map(|(kind, root)| {
                self.fields(root).iter().map(move |f| (kind, f["name"].as_str().unwrap().to_owned()))
            })
            .collect()
    }

    /// The `ID` arguments of a root field, by name: its own, and the fields of input-object
    /// arguments.
    pub fn id_arguments(&self, operation: &str, field: &str) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for arg in self.root_field(operation, field)["args"].as_array().unwrap() {
            let ty = named(&arg["type"]);
            if ty == "ID" {
                ids.insert(arg["name"].as_str().unwrap().to_owned());
            } else if self.kind(ty) == "INPUT_OBJECT" {
                for input in self.types[ty]["inputFields"].as_array().unwrap() {
                    if named(&input["type"]) == "ID" {
                        ids.insert(input["name"].as_str().unwrap().to_owned());
                    }
                }
            }
        }
        ids
    }

    /// The whole operation: `field(arguments)` with everything reachable from its type selected.
    pub fn operation(&self, operation: &str, field: &str, arguments: &str) -> String {
        let ty = named(&self.root_field(operation, field)["type"]).to_owned();
        let arguments = if arguments.is_empty() { String::new() } else { format!("({arguments})") };
        format!("{operation} {{ {field}{arguments} {} }}", self.selection(&ty, &mut Vec::new()))
    }

    /// `field(arguments)` selecting only `__typename` of what it returns.
    pub fn brief_operation(&self, operation: &str, field: &str, arguments: &str) -> String {
        let ty = named(&self.root_field(operation, field)["type"]);
        let selection = if self.kind(ty) == "OBJECT" { "{ __typename }" } else { "" };
        let arguments = if arguments.is_empty() { String::new() } else { format!("({arguments})") };
        format!("{operation} {{ {field}{arguments} {selection} }}")
    }

    /// Every scalar and enum field of `type_name`, and every object field recursively (connections
    /// with `first: PAGE`, through `nodes`), down to `DEPTH` levels and as long as no type repeats
    /// more than `REPEATS` times on the path. Empty for scalars.
    /// An interface's selection is each of its object types', as inline fragments.
    pub fn selection(&self, type_name: &str, path: &mut Vec<String>) -> String {
        if self.kind(type_name) == "INTERFACE" {
            let possible = self.types[type_name]["possibleTypes"].as_array().unwrap();
            let fragments: Vec<String> = possible
                .iter()
                .map(|t| t["name"].as_str().unwrap())
                .map(|t| format!("... on {t} {}", self.selection(t, path)))
                .collect();
            return format!("{{ __typename {} }}", fragments.join(" "));
        }
        if self.kind(type_name) != "OBJECT" {
            return String::new();
        }
        path.push(type_name.to_owned());
        let mut out = vec!["__typename".to_owned()];
        for field in self.fields(type_name) {
            let name = field["name"].as_str().unwrap();
            let ty = named(&field["type"]);
            if name == "edges" {
                continue; // the same nodes as `nodes`
            }
            match self.kind(ty) {
                "SCALAR" | "ENUM" => out.push(name.to_owned()),
                "OBJECT" if path.len() < DEPTH && path.iter().filter(|t| *t == ty).count() < REPEATS => {
                    let pages = field["args"].as_array().unwrap().iter().any(|a| a["name"] == "first");
                    let args = if pages { format!("(first: {PAGE})") } else { String::new() };
                    out.push(format!("{name}{args} {}", self.selection(ty, path)));
                }
                _ => {}
            }
        }
        path.pop();
        format!("{{ {} }}", out.join(" "))
    }
}
