//! `spawn_app` and a GraphQL client that speaks HTTP and both websocket protocols, as anonymous or
//! with a bearer token.

mod db;
pub mod fixture;
pub mod introspection;
mod process;
pub mod receiver;
mod subscription;
mod tenants;

use std::time::Duration;

use api::{Application, Config};
pub use db::{TestDb, WriteLock, process_database_url};
pub use process::{docket, docket_fails, spawn_logged_process, spawn_process, spawn_process_with};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
pub use subscription::{Delivery, Protocol, Subscription};

/// How long any single read from the server may take before a test fails.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A real Task Master file from `tests/data`.
pub fn task_master_file(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("test data file")).expect("valid JSON")
}

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// The app's pool (for migration tests and direct checks).
    pub db: DatabaseConnection,
    /// The connections the app reads through (its own on PostgreSQL and a SQLite file; `db` on an
    /// in-memory database and for processes).
    pub reads: api::db::Reads,
    pub(crate) client: reqwest::Client,
    pub(crate) _shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The `docket` process, for apps started with [`spawn_process`].
    pub process: Option<tokio::process::Child>,
    /// The bearer token this client sends (over HTTP, and in `connection_init`), if any.
    pub token: Option<String>,
}

impl TestApp {
    /// A client of the same server that authenticates with `token` (the server stays up as long as
    /// `self` lives).
    pub fn with_token(&self, token: &str) -> TestApp {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
        headers.insert(reqwest::header::AUTHORIZATION, value);
        TestApp {
            address: self.address.clone(),
            port: self.port,
            db: self.db.clone(),
            reads: self.reads.clone(),
            client: reqwest::Client::builder().default_headers(headers).build().expect("a client"),
            _shutdown: None,
            process: None,
            token: Some(token.to_owned()),
        }
    }
}

/// Percent-encodes `text` for a URL's query string or a form.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Starts a server on a fresh database, on port 0.
pub async fn spawn_app() -> (TestApp, TestDb) {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |_| {}).await;
    (app, db)
}

/// The secrets key of the servers tests start (32 bytes, base64).
pub const TEST_SECRETS_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Starts a server on `db` (possibly shared with other apps), with `tune` applied to its config.
pub async fn spawn_app_on(db: &TestDb, tune: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        api::telemetry::init_for_tests();
    }
    let mut config = Config::with_database(db.url.clone());
    config.secrets_key = Some(api::config::Redacted(TEST_SECRETS_KEY.into()));
    tune(&mut config);
    let (pool, counter) =
        db.connect_with(std::time::Duration::from_millis(config.db_busy_timeout_ms), config.db_max_connections).await;
    let app = Application::build_with(config, pool.clone(), counter, db.schema.clone()).await.expect("build app");
    let port = app.port();
    let reads = app.state().reads.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db: pool,
        reads,
        client: reqwest::Client::new(),
        _shutdown: Some(tx),
        process: None,
        token: None,
    };
    app.wait_until_ready().await;
    app
}

/// The first error's `extensions.code` of a GraphQL response.
pub fn error_code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response}"))
        .to_owned()
}

impl TestApp {
    /// Waits for `/health/ready`: on PostgreSQL that includes the listener that carries events
    /// between processes.
    pub async fn wait_until_ready(&self) {
        for _ in 0..400 {
            if self.client.get(format!("{}/health/ready", self.address)).send().await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the app did not become ready");
    }

    /// POSTs a GraphQL request and returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON response")
    }

    /// POSTs a GraphQL request as `actor` (the `X-Docket-Actor` header) and returns `data`.
    pub async fn data_as(&self, actor: &str, query: &str, variables: Value) -> Value {
        let response: Value = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("x-docket-actor", actor)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON response");
        assert!(response.get("errors").is_none(), "unexpected errors: {response}");
        response["data"].clone()
    }

    /// Creates a project named `name` and returns its id.
    pub async fn create_project(&self, name: &str) -> String {
        let data = self
            .data(
                "mutation($name: String!) { createProject(input: { name: $name }) { project { id } } }",
                json!({ "name": name }),
            )
            .await;
        data["createProject"]["project"]["id"].as_str().unwrap().to_owned()
    }

    /// Creates a task in `project` with `fields` (at least `title`); returns its id.
    pub async fn create_task(&self, project: &str, fields: Value) -> String {
        let mut input = json!({ "projectId": project });
        for (key, value) in fields.as_object().unwrap() {
            input[key] = value.clone();
        }
        let created = self
            .data(
                "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }",
                json!({ "input": input }),
            )
            .await;
        created["createTask"]["task"]["id"].as_str().unwrap().to_owned()
    }

    /// Imports `document` into `project`; returns the whole response.
    pub async fn import(&self, project: &str, document: &Value, options: Value) -> Value {
        let mut variables = json!({ "p": project, "doc": document });
        for (key, value) in options.as_object().into_iter().flatten() {
            variables[key] = value.clone();
        }
        self.gql(
            "mutation($p: ID!, $doc: JSON!, $tags: [String!], $dryRun: Boolean, $strict: Boolean) {
                importTaskMasterTasks(projectId: $p, document: $doc, tags: $tags, dryRun: $dryRun, strict: $strict) {
                    dryRun tags { tag created updated unchanged dependenciesAdded dependenciesRemoved }
                    warnings { location message }
                }
            }",
            variables,
        )
        .await
    }

    /// Like [`TestApp::gql`] but fails the test on errors and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response}");
        response["data"].clone()
    }

    /// GETs a path and returns status and body.
    pub async fn get(&self, path: &str, accept: &str) -> (u16, String) {
        let response =
            self.client.get(format!("{}{path}", self.address)).header("accept", accept).send().await.expect("request");
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    }

    /// The SQL statements one run of `query` costs, as the server reports them in
    /// `extensions.sqlStatements` (it must run with `report_sql_statements`).
    pub async fn operation_statements(&self, query: &str) -> u64 {
        let response = self.gql(query, json!({})).await;
        assert!(response.get("errors").is_none(), "{response}");
        response["extensions"]["sqlStatements"].as_u64().unwrap_or_else(|| panic!("no statement count: {response}"))
    }

    /// A figure from `/metrics`.
    pub async fn metric(&self, name: &str) -> i64 {
        let (_, body) = self.get("/metrics", "text/plain").await;
        body.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("metric {name} missing"))
    }

    /// Waits (up to 20 s, then fails) until `/metrics` shows `name` with a value that satisfies `want`;
    /// returns it.
    pub async fn wait_for_metric(&self, name: &str, want: impl Fn(i64) -> bool) -> i64 {
        let mut value = self.metric(name).await;
        for _ in 0..800 {
            if want(value) {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
            value = self.metric(name).await;
        }
        panic!("{name} stayed at {value}");
    }

    /// Waits until the server has `n` open subscriptions (a subscribe message is handled
    /// asynchronously; live-only streams miss what happens before).
    pub async fn wait_for_subscribers(&self, n: i64) {
        for _ in 0..400 {
            if self.metric("docket_event_subscribers").await >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("subscriptions were not registered");
    }

    /// Creates a workspace at `path` and returns its id.
    pub async fn create_workspace(&self, path: &str) -> String {
        let data = self
            .data(
                "mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { workspace { id } } }",
                json!({ "input": { "name": format!("ws {path}"), "path": path } }),
            )
            .await;
        data["createWorkspace"]["workspace"]["id"].as_str().unwrap().to_owned()
    }

    /// Starts a session over `files` in a new workspace; returns the session id and todo ids in file order.
    pub async fn start_session(&self, files: &[&str]) -> (String, Vec<String>) {
        let workspace = self.create_workspace(&format!("/src/{}", uuid::Uuid::new_v4())).await;
        self.start_session_in(&workspace, files).await
    }

    /// Starts a session over `files` in `workspace`.
    pub async fn start_session_in(&self, workspace: &str, files: &[&str]) -> (String, Vec<String>) {
        let data = self
            .data(
                "mutation($input: StartDocumentationSessionInput!) {
                    startDocumentationSession(input: $input) { session { id } }
                }",
                json!({ "input": { "workspaceId": workspace, "moduleName": "api", "filePaths": files } }),
            )
            .await;
        let session = data["startDocumentationSession"]["session"]["id"].as_str().unwrap().to_owned();
        let mut by_path: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .data(
                    "query($id: ID!, $after: String) { documentationSession(id: $id) { todos(first: 100, after: $after) {
                        nodes { id filePath } pageInfo { hasNextPage endCursor } } } }",
                    json!({ "id": session, "after": after }),
                )
                .await;
            let todos = &page["documentationSession"]["todos"];
            for todo in todos["nodes"].as_array().unwrap() {
                by_path.insert(todo["filePath"].as_str().unwrap().to_owned(), todo["id"].as_str().unwrap().to_owned());
            }
            if todos["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = todos["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        let ids = files.iter().map(|f| by_path[*f].clone()).collect();
        (session, ids)
    }

    /// Claims the next todo of `session` (with its `leaseToken`); `Null` when none is ready.
    pub async fn claim(&self, session: &str) -> Value {
        self.data(
            "mutation($s: ID!) { claimNextTodo(sessionId: $s) { id filePath status attempts leaseToken } }",
            json!({ "s": session }),
        )
        .await["claimNextTodo"]
            .clone()
    }

    /// Runs a worker action (`completeTodo`, `failTodo` with error `oops`, `skipTodo`) on `todo` with
    /// the claim's lease token (none for a coordinator's skip); returns the whole response.
    pub async fn todo_action(&self, action: &str, todo: &str, lease: Option<&str>) -> Value {
        let (lease_type, extra) = match action {
            "skipTodo" => ("String", ""),
            "failTodo" => ("String!", ", error: \"oops\""),
            _ => ("String!", ""),
        };
        self.gql(
            &format!(
                "mutation($id: ID!, $lease: {lease_type}) {{ {action}(id: $id, leaseToken: $lease{extra}) {{ id status attempts error }} }}"
            ),
            json!({ "id": todo, "lease": lease }),
        )
        .await
    }

    /// Completes `claimed` (what [`TestApp::claim`] returned) with its lease token.
    pub async fn complete(&self, claimed: &Value) -> Value {
        self.todo_action("completeTodo", claimed["id"].as_str().unwrap(), claimed["leaseToken"].as_str()).await
    }

    /// Makes `todo` depend on `depends_on`; returns the whole response.
    pub async fn add_dependency(&self, todo: &str, depends_on: &str) -> Value {
        self.gql(
            "mutation($input: AddTodoDependencyInput!) { addTodoDependency(input: $input) { todo { id } } }",
            json!({ "input": { "todoId": todo, "dependsOnId": depends_on } }),
        )
        .await
    }

    /// Appends an event of `event_type`; returns its sequence.
    pub async fn append_event(&self, session: &str, event_type: &str) -> i64 {
        self.data(
            "mutation($input: AppendSessionEventInput!) { appendSessionEvent(input: $input) { event { sequence } } }",
            json!({ "input": { "sessionId": session, "eventType": event_type, "eventData": { "n": 1 } } }),
        )
        .await["appendSessionEvent"]["event"]["sequence"]
            .as_i64()
            .unwrap()
    }

    /// Event types of a session in sequence order.
    pub async fn event_types(&self, session: &str) -> Vec<String> {
        let data = self
            .data(
                "query($id: ID!) { documentationSession(id: $id) { events(first: 100) { nodes { eventType } } } }",
                json!({ "id": session }),
            )
            .await;
        data["documentationSession"]["events"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["eventType"].as_str().unwrap().to_owned())
            .collect()
    }
}
