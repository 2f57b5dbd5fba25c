//! Dates with a stated precision: a day, a month, a year, an approximate date, or a range.
//!
//! Sources often give only "about October 2025" or "1997 to 2013"; the record keeps exactly the
//! precision the source supports and never invents a day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Years Chancery accepts: wide enough for historical inquiries, narrow enough to catch typos.
pub const MIN_YEAR: i32 = 1800;
pub const MAX_YEAR: i32 = 2100;

/// A calendar date known to the year, the month or the day: `2023`, `2023-11`, `2023-11-28`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl PartialDate {
    pub fn parse(input: &str) -> Result<PartialDate, String> {
        let t = input.trim();
        let parts: Vec<&str> = t.split('-').collect();
        let bad = || format!("{t:?} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD");
        let num = |s: &str, len: usize| -> Result<u32, String> {
            if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<u32>().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let year = match parts.first() {
            Some(y) => num(y, 4)? as i32,
            None => return Err(bad()),
        };
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(format!(
                "year {year} is out of range ({MIN_YEAR} to {MAX_YEAR})"
            ));
        }
        let month = match parts.get(1) {
            Some(m) => {
                let m = num(m, 2)?;
                if !(1..=12).contains(&m) {
                    return Err(format!("month {m} is out of range (01 to 12)"));
                }
                Some(m)
            }
            None => None,
        };
        let day = match parts.get(2) {
            Some(d) => {
                let d = num(d, 2)?;
                if NaiveDate::from_ymd_opt(year, month.unwrap_or(1), d).is_none() {
                    return Err(format!("{t} is not a day of the calendar"));
                }
                Some(d)
            }
            None => None,
        };
        if parts.len() > 3 {
            return Err(bad());
        }
        Ok(PartialDate { year, month, day })
    }

    pub fn from_date(d: NaiveDate) -> PartialDate {
        use chrono::Datelike;
        PartialDate {
            year: d.year(),
            month: Some(d.month()),
            day: Some(d.day()),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> Option<u32> {
        self.month
    }

    pub fn day(&self) -> Option<u32> {
        self.day
    }

    /// The precision this date carries.
    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Day,
            (Some(_), None) => DatePrecision::Month,
            _ => DatePrecision::Year,
        }
    }

    /// The first day the date may denote (for sorting and range checks).
    pub fn earliest(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .expect("validated at parse")
    }

    /// The last day the date may denote.
    pub fn latest(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m, d).expect("valid"),
            (Some(m), None) => {
                let (y, nm) = if m == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, m + 1)
                };
                NaiveDate::from_ymd_opt(y, nm, 1)
                    .expect("valid")
                    .pred_opt()
                    .expect("valid")
            }
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31).expect("valid"),
        }
    }
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PartialDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Day,
    Month,
    Year,
    Approximate,
    Range,
}

impl DatePrecision {
    pub const ALL: [DatePrecision; 5] = [
        DatePrecision::Day,
        DatePrecision::Month,
        DatePrecision::Year,
        DatePrecision::Approximate,
        DatePrecision::Range,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
            DatePrecision::Approximate => "approximate",
            DatePrecision::Range => "range",
        }
    }

    pub fn parse(input: &str) -> Result<DatePrecision, String> {
        DatePrecision::ALL
            .into_iter()
            .find(|p| p.as_str() == input.trim())
            .ok_or_else(|| {
                format!("unknown precision {input:?}: use day, month, year, approximate or range")
            })
    }
}

/// A date with its precision. Only consistent combinations can be built:
/// `day` needs `YYYY-MM-DD`, `month` needs `YYYY-MM`, `year` needs `YYYY`, `approximate`
/// takes any of these, and `range` needs an `end` no earlier than its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct FuzzyDate {
    precision: DatePrecision,
    #[schema(value_type = String, example = "2023-11-28")]
    date: PartialDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    end: Option<PartialDate>,
}

impl FuzzyDate {
    /// Builds a date; errors name the member (`precision`, `date` or `end`) they concern.
    pub fn new(
        precision: DatePrecision,
        date: PartialDate,
        end: Option<PartialDate>,
    ) -> Result<FuzzyDate, (&'static str, String)> {
        let shape_ok = match precision {
            DatePrecision::Day | DatePrecision::Month | DatePrecision::Year => {
                date.precision() == precision
            }
            DatePrecision::Approximate | DatePrecision::Range => true,
        };
        if !shape_ok {
            let form = match precision {
                DatePrecision::Day => "YYYY-MM-DD",
                DatePrecision::Month => "YYYY-MM",
                _ => "YYYY",
            };
            return Err((
                "date",
                format!(
                    "precision {} needs a date of the form {form}",
                    precision.as_str()
                ),
            ));
        }
        match (precision, end) {
            (DatePrecision::Range, None) => {
                Err(("end", "precision range needs an end date".to_string()))
            }
            (DatePrecision::Range, Some(e)) if e.latest() < date.earliest() => Err((
                "end",
                format!("the range ends ({e}) before it starts ({date})"),
            )),
            (DatePrecision::Range, Some(_)) => Ok(FuzzyDate {
                precision,
                date,
                end,
            }),
            (_, Some(_)) => Err(("end", "only precision range takes an end date".to_string())),
            (_, None) => Ok(FuzzyDate {
                precision,
                date,
                end: None,
            }),
        }
    }

    pub fn day(d: NaiveDate) -> FuzzyDate {
        FuzzyDate {
            precision: DatePrecision::Day,
            date: PartialDate::from_date(d),
            end: None,
        }
    }

    pub fn precision(&self) -> DatePrecision {
        self.precision
    }

    pub fn date(&self) -> PartialDate {
        self.date
    }

    pub fn end(&self) -> Option<PartialDate> {
        self.end
    }

    /// The earliest day the date may denote, for ordering records.
    pub fn sort_key(&self) -> NaiveDate {
        self.date.earliest()
    }
}

impl std::fmt::Display for FuzzyDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.precision, self.end) {
            (DatePrecision::Approximate, _) => write!(f, "about {}", self.date),
            (DatePrecision::Range, Some(e)) => write!(f, "{} to {e}", self.date),
            _ => write!(f, "{}", self.date),
        }
    }
}

impl<'de> Deserialize<'de> for FuzzyDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            precision: DatePrecision,
            date: PartialDate,
            end: Option<PartialDate>,
        }
        let r = Raw::deserialize(d)?;
        FuzzyDate::new(r.precision, r.date, r.end)
            .map_err(|(field, reason)| serde::de::Error::custom(format!("{field}: {reason}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pd(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn partial_dates_parse_strictly() {
        assert_eq!(pd("2023-11-28").to_string(), "2023-11-28");
        assert_eq!(pd("2023-11").precision(), DatePrecision::Month);
        assert!(PartialDate::parse("2023-13").is_err());
        assert!(PartialDate::parse("2023-02-30").is_err());
        assert!(PartialDate::parse("23-02-01").is_err());
        assert!(PartialDate::parse("1700").is_err());
        assert!(PartialDate::parse("2023-1-1").is_err());
        assert_eq!(pd("2024-02").latest().to_string(), "2024-02-29");
    }

    #[test]
    fn precision_and_shape_agree() {
        assert!(FuzzyDate::new(DatePrecision::Day, pd("2023-11"), None).is_err());
        assert!(FuzzyDate::new(DatePrecision::Month, pd("2023-11"), None).is_ok());
        assert!(FuzzyDate::new(DatePrecision::Approximate, pd("2025-10"), None).is_ok());
        assert_eq!(
            FuzzyDate::new(DatePrecision::Range, pd("1997"), None)
                .unwrap_err()
                .0,
            "end"
        );
        assert!(FuzzyDate::new(DatePrecision::Range, pd("1997"), Some(pd("2013"))).is_ok());
        assert!(FuzzyDate::new(DatePrecision::Range, pd("2013"), Some(pd("1997"))).is_err());
        assert!(FuzzyDate::new(DatePrecision::Year, pd("2013"), Some(pd("2014"))).is_err());
    }

    #[test]
    fn json_round_trip() {
        let d = FuzzyDate::new(DatePrecision::Range, pd("1997"), Some(pd("2013"))).unwrap();
        let j = serde_json::to_string(&d).unwrap();
        assert_eq!(j, r#"{"precision":"range","date":"1997","end":"2013"}"#);
        assert_eq!(serde_json::from_str::<FuzzyDate>(&j).unwrap(), d);
    }
}
