//! API keys: the bearer tokens that authenticate requests, and authentication itself.
//!
//! A token is `dkt_` followed by 43 URL-safe base64 characters: 256 random bits from the operating
//! system. Its first 12 characters (`dkt_` and 8 more) are the key's public prefix, unique, by which
//! it is found and named in listings; only the SHA-256 of the whole token is stored (a token has far
//! too much entropy to be guessed from its hash, so no slow hash is needed), compared in constant
//! time. The token is shown once, when the key is created. A person's key acts with the lower of its
//! own role and the person's current membership, and stops working when they leave the organization.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{api_key, membership::Role, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::{
    access::member,
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Tx, new_id,
        page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_text,
        sql::Sql,
        viewer::{KeyRef, Principal, Viewer},
    },
};

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "dkt_";
/// Characters of a token: the prefix and 43 of base64 for 32 random bytes.
const TOKEN_LEN: usize = 4 + 43;
/// Characters of a token kept as its public prefix.
const PREFIX_LEN: usize = 12;
/// `last_used_at` is written at most this often per key (per process).
const LAST_USED_EVERY: Duration = Duration::from_secs(60);

/// The organization's API keys, oldest first, with their person.
pub static API_KEYS: List = List::new(|| {
    ListSpec::root(api_key::Column::Id, api_key::Column::OrganizationId)
        .left_joining(user::Column::Id, api_key::Column::UserId)
        .selecting(user::Column::Email, "user_email")
        .selecting(user::Column::Name, "user_name")
});

/// A key as listed: never its secret; with the person it belongs to, if any.
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct KeyListing {
    /// Its id.
    pub id: Uuid,
    /// The person it belongs to; `None` for a service key.
    pub user_id: Option<Uuid>,
    /// That person's email.
    pub user_email: Option<String>,
    /// That person's name.
    pub user_name: Option<String>,
    /// Its label.
    pub name: String,
    /// The role it acts with.
    pub role: Role,
    /// Its public prefix.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last authenticated a request.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Listed for KeyListing {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Key `id` of the organization as listed. Errors: `NOT_FOUND`.
pub async fn listing(db: &impl ConnectionTrait, organization_id: Uuid, id: Uuid) -> ApiResult<KeyListing> {
    let mut select = API_KEYS.select();
    select.and_where(api_key::Column::Id.eq(id)).and_where(api_key::Column::OrganizationId.eq(organization_id));
    KeyListing::find_by_statement(db.get_database_backend().build(&select))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound { entity: "api key" })
}

/// A new token, its public prefix and the hash to store.
pub struct NewToken {
    /// The whole token: shown once, never stored.
    pub token: String,
    /// Its public prefix.
    pub prefix: String,
    /// Hex SHA-256 of the token.
    pub hash: String,
}

/// Hex SHA-256 of a token.
fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Makes a token from 256 random bits. Errors: `INTERNAL_SERVER_ERROR` (the operating system gave no
/// randomness).
pub fn new_token() -> ApiResult<NewToken> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|err| anyhow::anyhow!("no randomness for a token: {err}"))?;
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    Ok(NewToken { prefix: token[..PREFIX_LEN].to_owned(), hash: hash(&token), token })
}

/// What a new key is for.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Label, 1 to 255 characters.
    pub name: String,
    /// The role it acts with.
    pub role: Role,
    /// When it stops working, if ever; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// The member it belongs to; a service key when `None`.
    pub user_id: Option<Uuid>,
}

/// Inserts a key of `tx`'s organization and audits it; returns it with its token (shown once).
async fn insert(tx: &mut Tx<'_>, new: NewKey) -> ApiResult<(api_key::Model, String)> {
    require_text("name", &new.name, 255)?;
    if new.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::bad_input("`expiresAt` must be in the future"));
    }
    let token = new_token()?;
    let created = api_key::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(tx.viewer().organization_id),
        user_id: Set(new.user_id),
        name: Set(new.name.trim().to_owned()),
        role: Set(new.role),
        prefix: Set(token.prefix),
        secret_hash: Set(token.hash),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
    }
    .insert(tx)
    .await
    // 48 random bits of prefix meeting another key's is not expected; say so rather than retry.
    .map_err(|err| ApiError::unique(err, "the key's prefix collided with another key's; create it again"))?;
    tx.record(Resource::ApiKey, created.id, None, Some(&created)).await?;
    Ok((created, token.token))
}

/// Creates a key in the viewer's organization. Errors: `FORBIDDEN` (below admin, or `role` above the
/// viewer's), `NOT_FOUND` (`user_id` is not a member), `BAD_USER_INPUT`.
#[tracing::instrument(skip_all)]
pub async fn create(cx: Ctx<'_>, new: NewKey) -> ApiResult<(KeyListing, String)> {
    let mut tx = cx.begin(Role::Admin).await?;
    cx.viewer().require_grantable(new.role)?;
    if let Some(user) = new.user_id {
        member::get(&tx, cx.viewer().organization_id, user).await?;
    }
    let (model, token) = insert(&mut tx, new).await?;
    let created = (listing(&tx, cx.viewer().organization_id, model.id).await?, token);
    tx.commit().await?;
    tracing::info!(key_id = %created.0.id, prefix = %created.0.prefix, "api key created");
    Ok(created)
}

/// The key `id` of the scope's organization. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, organization_id: Uuid, id: Uuid) -> ApiResult<api_key::Model> {
    api_key::Entity::find_by_id(id)
        .filter(api_key::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound { entity: "api key" })
}

/// Revokes key `id` (revoking twice changes nothing). Errors: `FORBIDDEN` (below admin), `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(key_id = %id))]
pub async fn revoke(cx: Ctx<'_>, id: Uuid) -> ApiResult<KeyListing> {
    let mut tx = cx.begin(Role::Admin).await?;
    let current = get(&tx, cx.viewer().organization_id, id).await?;
    if current.revoked_at.is_some() {
        return listing(&tx, cx.viewer().organization_id, id).await;
    }
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    let revoked = get(&tx, cx.viewer().organization_id, id).await?;
    tx.record(Resource::ApiKey, id, Some(&current), Some(&revoked)).await?.verb("revoked");
    let revoked = listing(&tx, cx.viewer().organization_id, id).await?;
    tx.commit().await?;
    Ok(revoked)
}

/// One page of the organization's keys. Errors: `FORBIDDEN` (below admin).
pub async fn list(cx: Ctx<'_>, args: &PageArgs, fields: &page::Fields) -> ApiResult<Page<KeyListing>> {
    cx.viewer().require(Role::Admin)?;
    page::page(cx.reads, cx.scope(), &API_KEYS, &Filter::default(), args, fields).await
}

/// How many keys the organization has. Errors: `FORBIDDEN` (below admin).
pub async fn count(cx: Ctx<'_>) -> ApiResult<i64> {
    cx.viewer().require(Role::Admin)?;
    page::count(cx.reads, cx.scope(), &API_KEYS, &Filter::default()).await
}

/// Every key of an organization, oldest first (the command line's `docket key list`).
pub async fn list_all(db: &impl ConnectionTrait, organization_id: Uuid) -> ApiResult<Vec<KeyListing>> {
    let mut select = API_KEYS.select();
    select
        .and_where(api_key::Column::OrganizationId.eq(organization_id))
        .order_by((api_key::Entity, api_key::Column::Id), sea_orm::Order::Asc);
    Ok(KeyListing::find_by_statement(db.get_database_backend().build(&select)).all(db).await?)
}

/// The organization of key `id`, whatever it is (the command line's `docket key revoke` learns where
/// to act this way). Errors: `NOT_FOUND`.
pub async fn organization_of(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Uuid> {
    let key = api_key::Entity::find_by_id(id).one(db).await?.ok_or(ApiError::NotFound { entity: "api key" })?;
    Ok(key.organization_id)
}

/// A key found by prefix, with what authentication needs of its person.
#[derive(FromQueryResult)]
struct Candidate {
    id: Uuid,
    organization_id: Uuid,
    user_id: Option<Uuid>,
    name: String,
    role: Role,
    prefix: String,
    secret_hash: String,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    email: Option<String>,
    member_role: Option<Role>,
}

/// When each key last had `last_used_at` written by this process.
#[derive(Debug, Default)]
pub struct LastUsed(Mutex<HashMap<Uuid, Instant>>);

impl LastUsed {
    /// Whether `key`'s `last_used_at` is due a write (and notes that it is being written).
    fn due(&self, key: Uuid) -> bool {
        let mut stamps = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match stamps.get(&key) {
            Some(at) if now.duration_since(*at) < LAST_USED_EVERY => false,
            _ => {
                stamps.insert(key, now);
                true
            }
        }
    }
}

/// Who a request is: the policy every request is authenticated by.
#[derive(Debug)]
pub struct Authenticator {
    default_organization: Uuid,
    allow_anonymous: bool,
    last_used: LastUsed,
}

impl Authenticator {
    /// The policy of a server over `db`: with `allow_anonymous`, a request without a token acts as the
    /// owner of the `default` organization. Errors: `INTERNAL_SERVER_ERROR` when `default` is missing.
    pub async fn new(db: &impl ConnectionTrait, allow_anonymous: bool) -> ApiResult<Self> {
        let default_organization = crate::access::organization::default_id(db).await?;
        Ok(Self { default_organization, allow_anonymous, last_used: LastUsed::default() })
    }

    /// Whether requests without a token are served.
    pub fn allows_anonymous(&self) -> bool {
        self.allow_anonymous
    }

    /// The viewer of a request that carried `token`, or none, read through `reads`; a key's
    /// `lastUsedAt` is written through `writes` in the background. Errors: `UNAUTHENTICATED` (no
    /// token where one is required; a token that is malformed, unknown, revoked or expired).
    pub async fn viewer(
        &self,
        reads: &impl ConnectionTrait,
        writes: &DatabaseConnection,
        token: Option<&str>,
    ) -> ApiResult<Viewer> {
        match token {
            Some(token) => authenticate(reads, writes, token, &self.last_used).await,
            None if self.allow_anonymous => Ok(Viewer {
                organization_id: self.default_organization,
                role: Role::Owner,
                principal: Principal::Anonymous,
            }),
            None => Err(refused("authentication required: send `Authorization: Bearer <token>`")),
        }
    }
}

fn refused(why: &str) -> ApiError {
    ApiError::Unauthenticated(why.to_owned())
}

/// The viewer a bearer token stands for, read through `db`. At most once per key and interval,
/// the key's `last_used_at` is written through `writes`, in a task of its own: a request never waits
/// for the write lock to be authenticated (a lost update only leaves `lastUsedAt` older). Errors:
/// `UNAUTHENTICATED` for a token that is malformed, unknown, revoked or expired, or a person's key
/// whose person is no longer a member.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    writes: &DatabaseConnection,
    token: &str,
    last_used: &LastUsed,
) -> ApiResult<Viewer> {
    if token.len() != TOKEN_LEN || !token.starts_with(TOKEN_PREFIX) || !token.is_ascii() {
        return Err(refused("the bearer token is malformed: Docket's tokens start with `dkt_`"));
    }
    let mut sql = Sql::new(
        "SELECT k.id, k.organization_id, k.user_id, k.name, k.role, k.prefix, k.secret_hash, k.expires_at, \
         k.revoked_at, u.email, m.role AS member_role FROM api_keys k LEFT JOIN users u ON u.id = k.user_id \
         LEFT JOIN memberships m ON m.organization_id = k.organization_id AND m.user_id = k.user_id WHERE k.prefix = ",
    );
    sql.bind(token[..PREFIX_LEN].to_owned());
    let found = Candidate::find_by_statement(sql.build(db.get_database_backend())).one(db).await?;
    let Some(key) = found.filter(|key| bool::from(key.secret_hash.as_bytes().ct_eq(hash(token).as_bytes()))) else {
        return Err(refused("the bearer token is not a key of this server"));
    };
    if key.revoked_at.is_some() {
        return Err(refused("the bearer token's key was revoked"));
    }
    if key.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(refused("the bearer token's key has expired"));
    }
    let reference = KeyRef { id: key.id, name: key.name, prefix: key.prefix };
    let (role, principal) = match key.user_id {
        None => (key.role, Principal::Service { key: reference }),
        Some(user_id) => {
            let (Some(member_role), Some(email)) = (key.member_role, key.email) else {
                return Err(refused("the bearer token's person is no longer a member of its organization"));
            };
            (key.role.min(member_role), Principal::User { user_id, email, key: reference })
        }
    };
    if last_used.due(key.id) {
        let (writes, id) = (writes.clone(), key.id);
        tokio::spawn(async move {
            let update = api_key::Entity::update_many()
                .col_expr(api_key::Column::LastUsedAt, Expr::value(Utc::now()))
                .filter(api_key::Column::Id.eq(id))
                .exec(&writes)
                .await;
            if let Err(err) = update {
                tracing::warn!(key_id = %id, error = %err, "could not record when an API key was last used");
            }
        });
    }
    Ok(Viewer { organization_id: key.organization_id, role, principal })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_a_hash() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), TOKEN_LEN);
        assert!(a.token.starts_with("dkt_") && a.token.starts_with(&a.prefix));
        assert_eq!(a.hash.len(), 64);
        assert_ne!(a.hash, a.token);
        assert_eq!(hash(&a.token), a.hash);
    }

    #[test]
    fn last_used_is_written_at_most_once_a_minute_per_key() {
        let last = LastUsed::default();
        let key = Uuid::now_v7();
        assert!(last.due(key));
        assert!(!last.due(key));
        assert!(last.due(Uuid::now_v7()));
    }
}
