//! A database that cannot be opened stops `docket` with one line that names the cause and the fix,
//! and exit code 2 (a setting to change), whichever database the suite runs on.

/// Runs `docket migrate status` on `url`: its exit code and standard error.
fn open(url: &str) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["migrate", "status", "--db-connect-timeout-secs", "3"])
        .env("DATABASE_URL", url)
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .output()
        .expect("run docket");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).trim().to_owned())
}

#[test]
fn each_cause_gets_one_line_with_its_fix_and_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("docket-url-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing_file = dir.join("nope.db");
    let missing_folder = dir.join("no/such/folder/x.db");
    let mut cases = vec![
        (
            format!("sqlite://{}", missing_file.display()),
            format!(
                "docket: the SQLite file {} does not exist: create it, or add ?mode=rwc to DATABASE_URL so that Docket creates it",
                missing_file.display()
            ),
        ),
        (
            format!("sqlite://{}?mode=rwc", missing_folder.display()),
            format!(
                "docket: the folder {0} of the SQLite database does not exist: create it (mkdir -p {0})",
                missing_folder.parent().unwrap().display()
            ),
        ),
        (
            "postgres://postgres@127.0.0.1:1/postgres".to_owned(),
            "docket: no PostgreSQL server answers at 127.0.0.1:1: is it running, and are the host and port in DATABASE_URL right?"
                .to_owned(),
        ),
    ];
    // A server that answers but has no such database: the suite's PostgreSQL, when it runs on one.
    if let Some((server, _)) = std::env::var("TEST_DATABASE_URL").ok().as_deref().and_then(|u| u.rsplit_once('/')) {
        let authority = server.rsplit_once('@').map_or(server, |(_, a)| a).trim_start_matches("postgres://");
        let authority = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:5432") };
        cases.push((
            format!("{server}/docket_no_such_database"),
            format!(
                "docket: the database docket_no_such_database does not exist on {authority}: create it (createdb docket_no_such_database), or name another in DATABASE_URL"
            ),
        ));
    }
    for (url, expected) in cases {
        let (code, stderr) = open(&url);
        assert_eq!(stderr, expected, "{url}");
        assert_eq!(code, Some(2), "{url}: {stderr}");
    }
    assert!(!missing_file.exists(), "nothing was created");
    std::fs::remove_dir_all(&dir).ok();
}
