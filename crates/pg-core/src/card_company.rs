//! [`CardCompany`]: card company codes (카드사코드), generated from `data/card-companies.tsv`.

use std::fmt;

#[path = "generated/card_company.rs"]
mod generated;

pub use generated::CardCompany;

impl CardCompany {
    /// Whether the code is in the table.
    pub fn is_known(&self) -> bool {
        !matches!(self, CardCompany::Unknown(_))
    }
}

impl fmt::Display for CardCompany {
    /// `04 삼성` for a known code, the bare code otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name_ko() {
            Some(name) => write!(f, "{} {name}", self.code()),
            None => f.write_str(self.code()),
        }
    }
}

impl serde::Serialize for CardCompany {
    /// The code, as on the wire.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for CardCompany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(CardCompany::from_code(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_codes_from_the_manual() {
        assert_eq!(CardCompany::from_code("01"), CardCompany::Bc);
        assert_eq!(CardCompany::from_code("04").name_ko(), Some("삼성"));
        assert_eq!(CardCompany::from_code("06").name_en(), Some("Shinhan Card"));
        assert_eq!(CardCompany::from_code("29"), CardCompany::ForeignJcb);
        assert_eq!(CardCompany::from_code(" 02 "), CardCompany::Kookmin);
        assert_eq!(CardCompany::KNOWN.len(), 28);
        for company in CardCompany::KNOWN {
            assert_eq!(&CardCompany::from_code(company.code()), company);
            assert!(company.is_known());
        }
    }

    #[test]
    fn unknown_codes_are_kept() {
        let unknown = CardCompany::from_code("05");
        assert_eq!(unknown, CardCompany::Unknown("05".into()));
        assert_eq!(unknown.code(), "05");
        assert_eq!(unknown.name_ko(), None);
        assert!(!unknown.is_known());
        assert_eq!(unknown.to_string(), "05");
        assert_eq!(CardCompany::Samsung.to_string(), "04 삼성");
    }

    #[test]
    fn serde_uses_the_code() {
        assert_eq!(
            serde_json::to_string(&CardCompany::Hyundai).unwrap(),
            "\"07\""
        );
        assert_eq!(
            serde_json::from_str::<CardCompany>("\"99\"").unwrap(),
            CardCompany::Unknown("99".into())
        );
    }
}
