//! A backend-neutral description of the live schema, so that a test can check that the
//! SQLite and PostgreSQL migrations produce the same tables, columns, types and keys.

use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::BTreeMap;

/// A column as both backends can describe it: name, a normalised type, and whether it may be
/// null. Types normalise to `integer`, `text`, `timestamp`, `boolean`, `real`, `blob`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    pub name: String,
    pub kind: String,
    pub nullable: bool,
}

/// Tables (without the migration bookkeeping) with their columns, primary-key columns,
/// foreign keys (`column -> table.column`) and index names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableShape {
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<String>,
    /// Unique constraints, as `unique(col, ...)`.
    pub unique: Vec<String>,
    /// Indexes created by `CREATE INDEX`, by name.
    pub indexes: Vec<String>,
}

pub type SchemaShape = BTreeMap<String, TableShape>;

fn normalise(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    match t.as_str() {
        "integer" | "bigint" | "int8" | "int4" | "int" | "smallint" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "datetime" | "timestamp with time zone" | "timestamptz" => "timestamp",
        "boolean" | "bool" => "boolean",
        "real" | "double precision" | "float8" => "real",
        "blob" | "bytea" => "blob",
        other => return other.to_string(),
    }
    .to_string()
}

/// Tables (by name prefix) of one engine's full-text index, left out of the description.
const ENGINE_TABLES: &[&str] = &["search_fts"];
/// Columns and indexes of one engine's full-text index, left out of the description.
const ENGINE_COLUMNS: &[(&str, &str)] = &[("search_docs", "tsv")];
const ENGINE_INDEXES: &[(&str, &str)] = &[("search_docs", "search_docs_tsv")];

impl Store {
    /// Describes the schema the migrations produced.
    pub async fn describe_schema(&self) -> Result<SchemaShape, StoreError> {
        let mut shape = SchemaShape::new();
        match &self.pool {
            crate::Pool::Sqlite(p) => {
                let tables: Vec<String> = sqlx::query(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
                )
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.get::<String, _>("name"))
                .collect();
                for t in tables {
                    let mut s = TableShape::default();
                    let cols = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
                        .bind(&t)
                        .fetch_all(p)
                        .await?;
                    let mut pk: Vec<(i64, String)> = Vec::new();
                    for c in cols {
                        let name: String = c.get("name");
                        let pkpos: i64 = c.get("pk");
                        if pkpos > 0 {
                            pk.push((pkpos, name.clone()));
                        }
                        s.columns.push(Column {
                            kind: normalise(&c.get::<String, _>("type")),
                            nullable: c.get::<i64, _>("notnull") == 0 && pkpos == 0,
                            name,
                        });
                    }
                    pk.sort();
                    s.primary_key = pk.into_iter().map(|(_, n)| n).collect();
                    for fk in sqlx::query(
                        "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list($1)",
                    )
                    .bind(&t)
                    .fetch_all(p)
                    .await?
                    {
                        s.foreign_keys.push(format!(
                            "{} -> {}.{}",
                            fk.get::<String, _>("from"),
                            fk.get::<String, _>("table"),
                            fk.get::<String, _>("to")
                        ));
                    }
                    for ix in sqlx::query(
                        "SELECT name, origin FROM pragma_index_list($1) WHERE origin IN ('c', 'u')",
                    )
                    .bind(&t)
                    .fetch_all(p)
                    .await?
                    {
                        let name: String = ix.get("name");
                        if ix.get::<String, _>("origin") == "c" {
                            s.indexes.push(name);
                        } else {
                            let cols: Vec<String> = sqlx::query(
                                "SELECT name FROM pragma_index_info($1) ORDER BY seqno",
                            )
                            .bind(&name)
                            .fetch_all(p)
                            .await?
                            .iter()
                            .map(|r| r.get::<String, _>("name"))
                            .collect();
                            s.unique.push(format!("unique({})", cols.join(", ")));
                        }
                    }
                    s.foreign_keys.sort();
                    s.indexes.sort();
                    shape.insert(t, s);
                }
            }
            crate::Pool::Postgres(p) => {
                let cols = sqlx::query(
                    "SELECT c.table_name::text AS t, c.column_name::text AS name, c.data_type::text AS type,
                            c.is_nullable::text AS nullable
                     FROM information_schema.columns c
                     JOIN information_schema.tables tb
                       ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
                     WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'
                       AND c.table_name <> '_sqlx_migrations'
                     ORDER BY c.table_name, c.ordinal_position",
                )
                .fetch_all(p)
                .await?;
                for c in cols {
                    let s = shape.entry(c.get::<String, _>("t")).or_default();
                    s.columns.push(Column {
                        name: c.get("name"),
                        kind: normalise(&c.get::<String, _>("type")),
                        nullable: c.get::<String, _>("nullable") == "YES",
                    });
                }
                let keys = sqlx::query(
                    "SELECT tc.table_name::text AS t, tc.constraint_type::text AS kind,
                            tc.constraint_name::text AS cname, kcu.column_name::text AS col, ccu.table_name::text AS ref_table,
                            ccu.column_name::text AS ref_col, kcu.ordinal_position AS pos
                     FROM information_schema.table_constraints tc
                     JOIN information_schema.key_column_usage kcu
                       ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
                     LEFT JOIN information_schema.constraint_column_usage ccu
                       ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
                       AND tc.constraint_type = 'FOREIGN KEY'
                     WHERE tc.table_schema = current_schema()
                       AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')
                     ORDER BY tc.table_name, tc.constraint_name, kcu.ordinal_position",
                )
                .fetch_all(p)
                .await?;
                let mut uniques: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
                for k in keys {
                    let table: String = k.get("t");
                    let Some(s) = shape.get_mut(&table) else {
                        continue;
                    };
                    let col: String = k.get("col");
                    let kind: String = k.get("kind");
                    if kind == "PRIMARY KEY" {
                        s.primary_key.push(col);
                    } else if kind == "UNIQUE" {
                        uniques
                            .entry((table, k.get("cname")))
                            .or_default()
                            .push(col);
                    } else {
                        s.foreign_keys.push(format!(
                            "{col} -> {}.{}",
                            k.get::<String, _>("ref_table"),
                            k.get::<String, _>("ref_col")
                        ));
                    }
                }
                for ((table, _), cols) in uniques {
                    if let Some(s) = shape.get_mut(&table) {
                        s.unique.push(format!("unique({})", cols.join(", ")));
                    }
                }
                let indexes = sqlx::query(
                    "SELECT tablename::text AS t, indexname::text AS name FROM pg_indexes
                     WHERE schemaname = current_schema()
                       AND indexname NOT IN (SELECT conname FROM pg_constraint
                                             WHERE connamespace = current_schema()::regnamespace)",
                )
                .fetch_all(p)
                .await?;
                for ix in indexes {
                    if let Some(s) = shape.get_mut(&ix.get::<String, _>("t")) {
                        s.indexes.push(ix.get("name"));
                    }
                }
                for s in shape.values_mut() {
                    s.foreign_keys.sort();
                    s.indexes.sort();
                }
            }
        }
        // The full-text index is each engine's own and has no counterpart on the other: the
        // FTS5 table and its shadow tables on SQLite, the `tsv` column and its GIN index on
        // PostgreSQL (store::search). Everything else about `search_docs` must match.
        shape.retain(|t, _| !ENGINE_TABLES.iter().any(|p| t.starts_with(p)));
        for (table, column) in ENGINE_COLUMNS {
            if let Some(s) = shape.get_mut(*table) {
                s.columns.retain(|c| c.name != *column);
            }
        }
        for (table, index) in ENGINE_INDEXES {
            if let Some(s) = shape.get_mut(*table) {
                s.indexes.retain(|i| i != index);
            }
        }
        // Column order differs where a migration rebuilt a table on one backend and altered
        // it on the other; what must match is the set of columns, so compare them by name.
        for s in shape.values_mut() {
            s.columns.sort();
            s.unique.sort();
        }
        Ok(shape)
    }
}
