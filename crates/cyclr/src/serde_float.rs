//! Serde for `f64` values that may be NaN or ±∞ (a diverged loss, a stop on a non-finite value),
//! so that they survive a JSON round trip: NaN is written as `null`, ±∞ as the strings `"inf"` /
//! `"-inf"`; reading accepts those and any number. Use with `#[serde(with =
//! "cyclr::serde_float")]` (or [`option`] for `Option<f64>`).
use serde::{Deserialize, Deserializer, Serializer};

/// Serialize a possibly non-finite `f64` (see the [module documentation](self)).
pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_nan() {
        s.serialize_none()
    } else if v.is_infinite() {
        s.serialize_str(if *v > 0.0 { "inf" } else { "-inf" })
    } else {
        s.serialize_f64(*v)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Num(f64),
    Text(String),
    Null(()),
}

/// Deserialize what [`serialize`] writes.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Option::<Repr>::deserialize(d)? {
        None | Some(Repr::Null(())) => Ok(f64::NAN),
        Some(Repr::Num(x)) => Ok(x),
        Some(Repr::Text(t)) => match t.as_str() {
            "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            "nan" | "NaN" => Ok(f64::NAN),
            other => Err(serde::de::Error::custom(format!(
                "expected a number, null, \"inf\" or \"-inf\", got {other:?}"
            ))),
        },
    }
}

/// The same for `Option<f64>`: `None` is written as `null` and read back as `None`; `Some(NaN)`
/// is written as `"nan"` (to stay distinct from `None`), ±∞ as `"inf"` / `"-inf"`.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize an optional possibly non-finite `f64`.
    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(x) if x.is_nan() => s.serialize_str("nan"),
            Some(x) => super::serialize(x, s),
        }
    }

    /// Deserialize what [`serialize`] writes (`null` is `None`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        match Option::<super::Repr>::deserialize(d)? {
            None | Some(super::Repr::Null(())) => Ok(None),
            Some(super::Repr::Num(x)) => Ok(Some(x)),
            Some(super::Repr::Text(t)) => match t.as_str() {
                "inf" | "+inf" | "Infinity" => Ok(Some(f64::INFINITY)),
                "-inf" | "-Infinity" => Ok(Some(f64::NEG_INFINITY)),
                "nan" | "NaN" => Ok(Some(f64::NAN)),
                other => Err(serde::de::Error::custom(format!(
                    "expected a number, null, \"inf\" or \"-inf\", got {other:?}"
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug)]
    struct T(#[serde(with = "super")] f64);

    #[test]
    fn round_trips_every_kind_of_value() {
        for v in [1.5, -0.0, f64::INFINITY, f64::NEG_INFINITY, 1e-300] {
            let s = serde_json::to_string(&T(v)).unwrap();
            assert_eq!(
                serde_json::from_str::<T>(&s).unwrap().0.to_bits(),
                v.to_bits(),
                "{s}"
            );
        }
        let s = serde_json::to_string(&T(f64::NAN)).unwrap();
        assert_eq!(s, "null");
        assert!(serde_json::from_str::<T>(&s).unwrap().0.is_nan());
        assert!(serde_json::from_str::<T>("\"x\"").is_err());
    }
}
