//! The goods arrays (4.2.5), read leniently: they describe the order, they do not move money. An
//! inconsistency (unequal lengths, a `goodsSize` that disagrees, an unreadable amount) is a
//! warning on the notification, and the raw values are kept — never a refusal.

use pg_core::text::trim;
use pg_core::{CompactString, Warning, Won};

use super::LineItem;
use super::decode::Raw;
use super::names::{ARRAYS, F};

/// The most items an indexed array (`name[3]`) may address.
const MAX_ITEMS: usize = 1000;

/// Which goods array a field name belongs to (`goodsCodeArray`, `goodsCodeArray[]`,
/// `goodsCodeArray[3]`), with its index when it has one.
pub(super) fn array_of(name: &str) -> Option<(usize, Option<usize>)> {
    let (stem, index) = match name.strip_suffix(']') {
        // A name without a closing bracket is a stem or nothing (no stem holds a bracket). The
        // decoder asks of every name it does not know: most end here, unsearched.
        None => (name, None),
        Some(open_part) => {
            // A byte loop: these names are short, and `find`'s `memchr` had cost more than them
            // (3,400 instructions for a body's fifteen indexed items, of 32,600).
            let open = open_part.bytes().rposition(|b| b == b'[')?;
            let inner = &open_part[open + 1..];
            let index = if inner.is_empty() {
                None
            } else {
                Some(inner.parse::<usize>().ok().filter(|i| *i < MAX_ITEMS)?)
            };
            (&name[..open], index)
        }
    };
    ARRAYS.iter().position(|a| *a == stem).map(|a| (a, index))
}

/// Zips the arrays into line items.
pub(super) fn decode(raw: &mut Raw<'_>, warnings: &mut Vec<Warning>) -> Vec<LineItem> {
    if raw.arrays.is_empty() && raw.indexed.is_empty() && raw.code(F::GoodsSize).is_none() {
        return Vec::new();
    }
    // The columns side by side in one buffer, each `longest` cells: items sent in order, then
    // items sent with an index at theirs (replacing one sent in order there).
    let mut lengths = [0usize; 5];
    for &(array, _) in &raw.arrays {
        lengths[array] += 1;
    }
    for &(array, index, _) in &raw.indexed {
        lengths[array] = lengths[array].max(index + 1);
    }
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let mut cells: Vec<&str> = vec![""; 5 * longest];
    let mut next = [0usize; 5];
    for &(array, value) in &raw.arrays {
        cells[array * longest + next[array]] = value;
        next[array] += 1;
    }
    for &(array, index, value) in &raw.indexed {
        cells[array * longest + index] = value;
    }
    // Indexed items line up by index: a column that stops early has blanks after it.
    if !raw.indexed.is_empty() {
        for length in lengths.iter_mut().filter(|l| **l > 0) {
            *length = longest;
        }
    }
    let column = |array: usize, lengths: &[usize; 5]| {
        let start = array * longest;
        &cells[start..start + lengths[array]]
    };
    // An array of blanks (`goodsCodeArray=`) says nothing.
    for array in 0..5 {
        if column(array, &lengths).iter().all(|v| trim(v).is_empty()) {
            lengths[array] = 0;
        }
    }
    let sent = || ARRAYS.iter().zip(lengths).filter(|(_, length)| *length > 0);
    let count = sent().next().map_or(0, |(_, n)| n);
    if sent().any(|(_, n)| n != count) {
        let described: Vec<String> = sent().map(|(n, l)| format!("{n}: {l}")).collect();
        warnings.push(Warning::new(
            "goodsCodeArray[]",
            format!(
                "the goods arrays have unequal lengths ({}): kept as received",
                described.join(", ")
            ),
            "",
        ));
        // Kept as received (in `extra`).
        for (array, name) in ARRAYS.iter().enumerate() {
            for value in column(array, &lengths) {
                raw.extra
                    .push((format!("{name}[]").into(), (*value).into()));
            }
        }
        return Vec::new();
    }
    if let Some(size) = raw.code(F::GoodsSize) {
        match size.parse::<usize>() {
            Ok(size) if size == count => {}
            Ok(_) => warnings.push(Warning::new(
                "goodsSize",
                format!("the goods arrays have {count} items"),
                size,
            )),
            Err(_) => warnings.push(Warning::new("goodsSize", "not a count", size)),
        }
    }
    let cell = |array: usize, i: usize| {
        column(array, &lengths)
            .get(i)
            .copied()
            .filter(|s| !trim(s).is_empty())
    };
    let mut amount = |array: usize, i: usize| -> Option<Won> {
        let text = cell(array, i)?;
        Won::parse(text)
            .map_err(|e| {
                warnings.push(Warning::new(
                    format!("{}[{i}]", ARRAYS[array]),
                    format!("not a number: {e}"),
                    text,
                ));
            })
            .ok()
    };
    (0..count)
        .map(|i| LineItem {
            code: cell(0, i).map(|s| CompactString::from(trim(s))),
            name: cell(1, i).map(CompactString::from),
            amount: amount(2, i),
            count: amount(3, i).map(Won::get),
            total: amount(4, i),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain reading: the first `[` opens the index, which runs to a final `]`.
    fn array_of_plainly(name: &str) -> Option<(usize, Option<usize>)> {
        let (stem, index) = match name.find('[') {
            None => (name, None),
            Some(open) => {
                let inner = name[open + 1..].strip_suffix(']')?;
                let index = if inner.is_empty() {
                    None
                } else {
                    Some(inner.parse::<usize>().ok().filter(|i| *i < MAX_ITEMS)?)
                };
                (&name[..open], index)
            }
        };
        ARRAYS.iter().position(|a| *a == stem).map(|a| (a, index))
    }

    #[test]
    fn names_of_the_goods_arrays() {
        assert_eq!(array_of("goodsCodeArray"), Some((0, None)));
        assert_eq!(array_of("goodsCodeArray[]"), Some((0, None)));
        assert_eq!(
            array_of("goodsAmtArray[12]"),
            array_of_plainly("goodsAmtArray[12]")
        );
        assert!(array_of("goodsAmtArray[12]").is_some_and(|(_, i)| i == Some(12)));
        for odd in [
            "goodsCodeArray[1000]",
            "goodsCodeArray[-1]",
            "goodsCodeArray[1",
            "goodsCodeArray1]",
            "goodsCodeArray[[1]]",
            "goodsCodeArray[1]]",
            "goodsCodeArray[1][2]",
            "goodsCodeArray]",
            "[1]",
            "]",
            "",
            "pgStoreName",
        ] {
            assert_eq!(array_of(odd), None, "{odd}");
        }
    }

    proptest! {
        /// Names built from the arrays' stems, brackets, digits and stray characters read the
        /// same as by the plain reading.
        #[test]
        fn agrees_with_the_plain_reading(
            stem in prop::sample::select(ARRAYS.to_vec()),
            parts in prop::collection::vec(
                prop::sample::select(vec!["[", "]", "0", "7", "12", "999", "1000", "x", "", "한"]),
                0..5,
            ),
            prefix in prop::sample::select(vec!["", "x", "["]),
        ) {
            let name = format!("{prefix}{stem}{}", parts.concat());
            prop_assert_eq!(array_of(&name), array_of_plainly(&name), "{}", name);
        }
    }
}
