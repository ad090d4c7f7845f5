//! Organizations: the tenants. Created and listed from the command line (`docket org`), read and
//! renamed through the API by their own members.

use chrono::Utc;
use entity::organization;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{Ctx, Resource, Role, new_id, require_object, require_text},
};

/// The slug of the built-in organization that rows from before organizations, and anonymous
/// requests, belong to.
pub const DEFAULT_SLUG: &str = "default";

/// The URL-safe form of a name: lower-case letters and digits, runs of anything else as one `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

fn taken(err: DbErr) -> ApiError {
    ApiError::unique(err, "an organization with this name (or slug) already exists")
}

/// Creates an organization (the command line does; it has no members until some are added).
/// Errors: `BAD_USER_INPUT` (empty name, no letter or digit), `CONFLICT` (name or slug taken).
pub async fn create(db: &impl ConnectionTrait, name: &str) -> ApiResult<organization::Model> {
    require_text("name", name, 255)?;
    let slug = slug(name);
    if slug.is_empty() {
        return Err(ApiError::bad_input("an organization's name needs a letter or a digit"));
    }
    let now = Utc::now();
    organization::ActiveModel {
        id: Set(new_id()),
        name: Set(name.trim().to_owned()),
        slug: Set(slug),
        settings: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(taken)
}

/// Every organization, oldest first (the command line's `docket org list`).
pub async fn list_all(db: &impl ConnectionTrait) -> ApiResult<Vec<organization::Model>> {
    Ok(organization::Entity::find().order_by_asc(organization::Column::Id).all(db).await?)
}

/// The organization named (or slugged) `name`. Errors: `NOT_FOUND`.
pub async fn by_name(db: &impl ConnectionTrait, name: &str) -> ApiResult<organization::Model> {
    organization::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(organization::Column::Name.eq(name))
                .add(organization::Column::Slug.eq(slug(name))),
        )
        .one(db)
        .await?
        .ok_or(ApiError::NotFound { entity: "organization" })
}

/// The id of the built-in `default` organization. Errors: `INTERNAL_SERVER_ERROR` when the
/// migrations have not created it.
pub async fn default_id(db: &impl ConnectionTrait) -> ApiResult<Uuid> {
    let found = organization::Entity::find().filter(organization::Column::Slug.eq(DEFAULT_SLUG)).one(db).await?;
    Ok(found.ok_or_else(|| anyhow::anyhow!("the `default` organization is missing: are migrations applied?"))?.id)
}

/// The viewer's organization.
pub async fn current(cx: Ctx<'_>) -> ApiResult<organization::Model> {
    get(cx.reads, cx.viewer().organization_id).await
}

async fn get(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<organization::Model> {
    organization::Entity::find_by_id(id).one(db).await?.ok_or(ApiError::NotFound { entity: "organization" })
}

/// Renames the viewer's organization and/or replaces its settings. Errors: `FORBIDDEN` (below
/// owner), `BAD_USER_INPUT`, `CONFLICT` (name taken).
#[tracing::instrument(skip_all)]
pub async fn update(cx: Ctx<'_>, name: Option<String>, settings: Option<Value>) -> ApiResult<organization::Model> {
    let mut tx = cx.begin(Role::Owner).await?;
    let current = get(&tx, cx.viewer().organization_id).await?;
    let mut model: organization::ActiveModel = current.clone().into();
    if let Some(name) = name {
        require_text("name", &name, 255)?;
        if current.slug == DEFAULT_SLUG && slug(&name) != DEFAULT_SLUG {
            // Keep the built-in organization findable: only its display name changes.
            model.name = Set(name.trim().to_owned());
        } else {
            let new_slug = slug(&name);
            if new_slug.is_empty() {
                return Err(ApiError::bad_input("an organization's name needs a letter or a digit"));
            }
            model.slug = Set(new_slug);
            model.name = Set(name.trim().to_owned());
        }
    }
    if let Some(settings) = settings {
        require_object("settings", &settings)?;
        model.settings = Set(settings);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await.map_err(taken)?;
    tx.record(Resource::Organization, updated.id, Some(&current), Some(&updated)).await?;
    tx.commit().await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(slug("Acme Corp."), "acme-corp");
        assert_eq!(slug("  Team 42 / Platform  "), "team-42-platform");
        assert_eq!(slug("***"), "");
    }
}
