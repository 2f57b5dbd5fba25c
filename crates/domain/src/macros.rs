//! Small macros shared by the record types.

/// A closed set of snake_case string values: `as_str`, `label`, `parse` (naming the allowed
/// values on error), `ALL`, serde and utoipa derives.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $s:literal, $label:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $s)] $variant,)* }

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
