//! `docket org` and `docket key`: organizations and API keys from the command line, which acts as
//! Docket itself (whoever can run it can reach the database). A key's token is printed once.

use clap::Subcommand;
use serde_json::json;
use uuid::Uuid;

use super::{RoleArg, in_organization, open, with_services};
use crate::{
    access::{
        api_key::{self as keys, KeyListing, NewKey},
        organization,
    },
    config::Config,
    service::viewer::role_name,
};

/// `docket org` actions.
#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organization (it has no members or keys until some are added).
    Create {
        /// Its name, unique; its slug (for `--org`) is derived from it.
        name: String,
        /// Print `{"id", "name", "slug"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the organizations.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
}

/// `docket key` actions.
#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Create a service API key and print its token once.
    Create {
        /// The organization (name or slug).
        #[arg(long, default_value = organization::DEFAULT_SLUG)]
        org: String,
        /// The role the key acts with.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// A label, shown in listings.
        #[arg(long, default_value = "docket-cli")]
        name: String,
        /// Print `{"id", "token", "role", "organization"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List an organization's keys (never their tokens).
    List {
        /// The organization (name or slug).
        #[arg(long, default_value = organization::DEFAULT_SLUG)]
        org: String,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: it stops working at once, on every server sharing the database.
    Revoke {
        /// The key's id.
        id: Uuid,
    },
}

/// Runs a `docket org` action.
pub async fn org(config: &Config, command: OrgCommand) -> anyhow::Result<()> {
    let db = open(config).await?;
    match command {
        OrgCommand::Create { name, json } => {
            let created = organization::create(&db, &name).await.map_err(|err| anyhow::anyhow!("{err}"))?;
            if json {
                println!("{}", json!({ "id": created.id, "name": created.name, "slug": created.slug }));
            } else {
                println!("organization {} (slug {}, id {})", created.name, created.slug, created.id);
            }
        }
        OrgCommand::List { json } => {
            let all = organization::list_all(&db).await.map_err(|err| anyhow::anyhow!("{err}"))?;
            if json {
                let rows: Vec<_> = all.iter().map(|o| json!({ "id": o.id, "name": o.name, "slug": o.slug })).collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for o in all {
                    println!("{}  {:<30} {}", o.id, o.name, o.slug);
                }
            }
        }
    }
    Ok(())
}

fn describe(key: &KeyListing) -> String {
    let mut state = Vec::new();
    if key.revoked_at.is_some() {
        state.push("revoked".to_owned());
    }
    if let Some(at) = key.expires_at {
        state.push(format!("expires {}", at.format("%Y-%m-%d %H:%M")));
    }
    if let Some(at) = key.last_used_at {
        state.push(format!("last used {}", at.format("%Y-%m-%d %H:%M")));
    }
    format!("{}  {}  {:<8} {:<24} {}", key.id, key.prefix, role_name(key.role), key.name, state.join(", "))
}

/// Runs a `docket key` action.
pub async fn key(config: &Config, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create { org, role, name, json } => {
            let (key, token, organization) = with_services(config, &org, async |cx| {
                let new = NewKey { name, role: role.into(), expires_at: None, user_id: None };
                let (key, token) = keys::create(cx, new).await.map_err(|err| anyhow::anyhow!("{err}"))?;
                let organization = organization::current(cx).await.map_err(|err| anyhow::anyhow!("{err}"))?;
                Ok((key, token, organization))
            })
            .await?;
            if json {
                println!(
                    "{}",
                    json!({ "id": key.id, "token": token, "role": role_name(key.role), "organization": organization.name })
                );
            } else {
                println!("{token}");
                eprintln!(
                    "api key {} ({}) with role {} in {}: the token above is shown only now",
                    key.id,
                    key.prefix,
                    role_name(key.role),
                    organization.name
                );
            }
        }
        KeyCommand::List { org, json } => {
            let db = open(config).await?;
            let organization = organization::by_name(&db, &org).await.map_err(|err| anyhow::anyhow!("{err}"))?;
            let all = keys::list_all(&db, organization.id).await.map_err(|err| anyhow::anyhow!("{err}"))?;
            if json {
                let rows: Vec<_> = all
                    .iter()
                    .map(|k| {
                        json!({ "id": k.id, "name": k.name, "prefix": k.prefix, "role": role_name(k.role),
                            "createdAt": k.created_at, "lastUsedAt": k.last_used_at, "expiresAt": k.expires_at,
                            "revokedAt": k.revoked_at })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for key in all {
                    println!("{}", describe(&key));
                }
            }
        }
        KeyCommand::Revoke { id } => {
            let db = open(config).await?;
            let organization = keys::organization_of(&db, id).await.map_err(|err| anyhow::anyhow!("{err}"))?;
            let key = in_organization(&db, organization, async |cx| {
                keys::revoke(cx, id).await.map_err(|err| anyhow::anyhow!("{err}"))
            })
            .await?;
            println!("revoked {}", describe(&key));
        }
    }
    Ok(())
}
