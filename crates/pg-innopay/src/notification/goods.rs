//! The goods arrays (4.2.5), read leniently: they describe the order, they do not move money. An
//! inconsistency (unequal lengths, a `goodsSize` that disagrees, an unreadable amount) is a
//! warning on the notification, and the raw values are kept — never a refusal.

use pg_core::{CompactString, Warning, Won};

use super::LineItem;
use super::decode::{ARRAYS, F, Raw};

/// The most items an indexed array (`name[3]`) may address.
const MAX_ITEMS: usize = 1000;

/// Which goods array a field name belongs to (`goodsCodeArray`, `goodsCodeArray[]`,
/// `goodsCodeArray[3]`), with its index when it has one.
pub(super) fn array_of(name: &str) -> Option<(usize, Option<usize>)> {
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

/// Zips the arrays into line items.
pub(super) fn decode(raw: &mut Raw<'_>, warnings: &mut Vec<Warning>) -> Vec<LineItem> {
    let mut columns: [Vec<&str>; 5] = std::mem::take(&mut raw.arrays);
    for &(array, index, value) in &raw.indexed {
        let column = &mut columns[array];
        if column.len() <= index {
            column.resize(index + 1, "");
        }
        column[index] = value;
    }
    // Indexed items line up by index: a column that stops early has blanks after it.
    if !raw.indexed.is_empty() {
        let longest = columns.iter().map(Vec::len).max().unwrap_or(0);
        for column in columns.iter_mut().filter(|c| !c.is_empty()) {
            column.resize(longest, "");
        }
    }
    // An array of blanks (`goodsCodeArray=`) says nothing.
    for column in &mut columns {
        if column.iter().all(|v| v.trim().is_empty()) {
            column.clear();
        }
    }
    let lengths: Vec<(&str, usize)> = ARRAYS
        .iter()
        .zip(&columns)
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| (*name, values.len()))
        .collect();
    let count = lengths.first().map_or(0, |(_, n)| *n);
    if lengths.iter().any(|(_, n)| *n != count) {
        let described: Vec<String> = lengths.iter().map(|(n, l)| format!("{n}: {l}")).collect();
        warnings.push(Warning::new(
            "goodsCodeArray[]",
            format!(
                "the goods arrays have unequal lengths ({}): kept as received",
                described.join(", ")
            ),
            "",
        ));
        keep_raw(raw, &columns);
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
        columns[array]
            .get(i)
            .copied()
            .filter(|s| !s.trim().is_empty())
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
            code: cell(0, i).map(|s| CompactString::from(s.trim())),
            name: cell(1, i).map(CompactString::from),
            amount: amount(2, i),
            count: amount(3, i).map(Won::get),
            total: amount(4, i),
        })
        .collect()
}

/// Keeps arrays that could not be zipped as received (in `extra`).
fn keep_raw(raw: &mut Raw<'_>, columns: &[Vec<&str>; 5]) {
    for (array, values) in columns.iter().enumerate() {
        for value in values {
            raw.extra
                .push((format!("{}[]", ARRAYS[array]).into(), (*value).into()));
        }
    }
}
