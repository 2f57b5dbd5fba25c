//! Small macros shared by the record types.

/// A closed set of snake_case string values: `as_str`, `label`, `parse` (naming the allowed
/// values on error), `ALL`, serde derives and the OpenAPI schema.
macro_rules! string_enum {
    ($(#[doc = $doc:literal])* $name:ident, $what:literal { $($variant:ident => $s:literal, $label:literal;)* }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant,)* }

        // By hand: the derive does not read a `rename` that comes through a macro, and would
        // name the variants (`CriminalCase`) where the JSON has their strings (`criminal_case`).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let doc: Vec<&str> = [$($doc),*].iter().map(|l| l.trim()).collect();
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description((!doc.is_empty()).then(|| doc.join("\n")))
                    .enum_values(Some([$($s),*]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }

            pub fn label(&self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }

            pub fn parse(input: &str) -> Result<$name, String> {
                $name::ALL.iter().copied().find(|k| k.as_str() == input.trim()).ok_or_else(|| {
                    let all: Vec<_> = $name::ALL.iter().map(|k| k.as_str()).collect();
                    format!("unknown {} {:?}: use one of {}", $what, input, all.join(", "))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
