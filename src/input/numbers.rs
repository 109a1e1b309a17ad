//! The one definition of a valid number in a model: a quantity (capacity,
//! cost, demand, penalty, yield ...) is finite, not negative and at most
//! [`MAX_QUANTITY`]; a share is finite and in 0..=1. CSV cells, model.toml,
//! scenarios and run parameters all check their numbers here.

/// The largest number a quantity may be: beyond it the solver's arithmetic
/// (which treats 1e20 as infinite) is no longer trustworthy.
pub const MAX_QUANTITY: f64 = 1e15;

/// Why a number is not acceptable. The message follows the number it is
/// about: `format!("{x} {error}")`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("is not a number (expected a plain decimal such as 1500, 0.65 or 1e6)")]
    NotANumber,
    #[error("is NaN; a finite number is required")]
    NaN,
    #[error("is infinite; a finite number is required (leave a capacity blank for unlimited)")]
    Infinite,
    #[error("is negative; it must be 0 or more")]
    Negative,
    #[error("is too large (at most 1e15; leave a capacity blank for unlimited)")]
    TooLarge,
    #[error("is outside 0..=1 (a fraction: 0.65 is 65%)")]
    ShareOutside,
}

/// A quantity: finite, 0 or more, at most [`MAX_QUANTITY`]. Returns it with -0 made 0.
pub fn quantity(x: f64) -> Result<f64, NumberError> {
    if x.is_nan() {
        Err(NumberError::NaN)
    } else if x.is_infinite() {
        Err(NumberError::Infinite)
    } else if x < 0.0 {
        Err(NumberError::Negative)
    } else if x > MAX_QUANTITY {
        Err(NumberError::TooLarge)
    } else {
        Ok(x + 0.0)
    }
}

/// A share of deliveries: finite and in 0..=1 (a fraction: 0.65 is 65%).
pub fn share(x: f64) -> Result<f64, NumberError> {
    if x.is_nan() {
        Err(NumberError::NaN)
    } else if !(0.0..=1.0).contains(&x) {
        Err(NumberError::ShareOutside)
    } else {
        Ok(x + 0.0)
    }
}

/// A number a scenario scales, sets or adds with: finite and at most
/// [`MAX_QUANTITY`] in size (it may be negative: `add` takes away, and the
/// result is checked as a quantity).
pub fn operand(x: f64) -> Result<f64, NumberError> {
    if x.is_nan() {
        Err(NumberError::NaN)
    } else if x.is_infinite() {
        Err(NumberError::Infinite)
    } else if x.abs() > MAX_QUANTITY {
        Err(NumberError::TooLarge)
    } else {
        Ok(x)
    }
}

/// A number as shown in a message: as Rust prints it, but in exponent form
/// when very large or very small (`1e300`, not 301 digits).
pub fn show(x: impl std::borrow::Borrow<f64>) -> String {
    let x = *x.borrow();
    if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_shares() {
        assert_eq!(quantity(1e15), Ok(1e15));
        assert_eq!(quantity(-0.0).map(f64::is_sign_positive), Ok(true));
        assert_eq!(quantity(1e300), Err(NumberError::TooLarge));
        assert_eq!(quantity(f64::NAN), Err(NumberError::NaN));
        assert_eq!(quantity(f64::NEG_INFINITY), Err(NumberError::Infinite));
        assert_eq!(quantity(-1.0), Err(NumberError::Negative));
        assert_eq!(share(0.65), Ok(0.65));
        assert_eq!(share(1.5), Err(NumberError::ShareOutside));
        assert_eq!(share(-0.1), Err(NumberError::ShareOutside));
        assert_eq!(share(f64::NAN), Err(NumberError::NaN));
        assert_eq!(share(f64::INFINITY), Err(NumberError::ShareOutside));
        assert_eq!(operand(-20.0), Ok(-20.0));
        assert_eq!(operand(f64::NAN), Err(NumberError::NaN));
    }
}
