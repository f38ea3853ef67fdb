//! Tabular operators: each takes the table so far and returns the next one.

use std::cmp::Ordering;

use serde_json::{json, Value};

use super::ast::{Assignment, Expr, Operator, SortKey, Step};
use super::error::KqlError;
use super::eval::{check, eval, is_true, order};
use super::table::{Column, ColumnType, Table};

pub fn apply(table: Table, op: &Operator) -> Result<Table, KqlError> {
    let in_operator = |message: String| KqlError::Semantic(format!("'{}' operator: {message}", op.name()));
    match op {
        Operator::Where(predicate) => filter(table, predicate).map_err(in_operator),
        Operator::Project(items) => project(table, items).map_err(in_operator),
        Operator::ProjectAway(names) => project_away(table, names).map_err(in_operator),
        Operator::Extend(items) => extend(table, items).map_err(in_operator),
        Operator::Sort(keys) => sort(table, keys).map_err(in_operator),
        Operator::Take(n) => {
            let mut table = table;
            table.rows.truncate(usize::try_from(*n).unwrap_or(usize::MAX));
            Ok(table)
        }
        Operator::Count => Ok(Table {
            columns: vec![Column::new("Count", ColumnType::Long)],
            rows: vec![vec![json!(table.rows.len())]],
        }),
    }
}

fn filter(mut table: Table, predicate: &Expr) -> Result<Table, String> {
    if check(predicate, &table.columns)? != ColumnType::Bool {
        return Err("The predicate must be of type bool".into());
    }
    let columns = &table.columns;
    table.rows.retain(|row| is_true(&eval(predicate, row, columns)));
    Ok(table)
}

fn project(table: Table, items: &[Assignment]) -> Result<Table, String> {
    let mut columns: Vec<Column> = Vec::with_capacity(items.len());
    for item in items {
        let kind = check(&item.expr, &table.columns)?;
        let name = column_name(item, &columns);
        if columns.iter().any(|c| c.name == name) {
            return Err(format!("Duplicate column name '{name}'"));
        }
        columns.push(Column { name, kind });
    }
    let rows = table
        .rows
        .iter()
        .map(|row| {
            items
                .iter()
                .map(|item| eval(&item.expr, row, &table.columns).into_owned())
                .collect()
        })
        .collect();
    Ok(Table { columns, rows })
}

fn project_away(mut table: Table, names: &[String]) -> Result<Table, String> {
    let mut drop = Vec::with_capacity(names.len());
    for name in names {
        match table.columns.iter().position(|c| c.name == *name) {
            Some(i) => drop.push(i),
            None => return Err(format!("Failed to resolve column named '{name}'")),
        }
    }
    let keep: Vec<bool> = (0..table.columns.len()).map(|i| !drop.contains(&i)).collect();
    let retain = |cells: Vec<Value>| -> Vec<Value> {
        cells
            .into_iter()
            .zip(&keep)
            .filter_map(|(cell, keep)| keep.then_some(cell))
            .collect()
    };
    table.columns = table
        .columns
        .into_iter()
        .zip(&keep)
        .filter_map(|(column, keep)| keep.then_some(column))
        .collect();
    table.rows = table.rows.into_iter().map(retain).collect();
    Ok(table)
}

/// Adds columns one at a time, so later items can use earlier ones; an existing name is replaced
/// in place, as Kusto does.
fn extend(mut table: Table, items: &[Assignment]) -> Result<Table, String> {
    for item in items {
        let kind = check(&item.expr, &table.columns)?;
        let name = column_name(item, &table.columns);
        let values: Vec<Value> = table
            .rows
            .iter()
            .map(|row| eval(&item.expr, row, &table.columns).into_owned())
            .collect();
        let existing = table.columns.iter().position(|c| c.name == name);
        if let Some(i) = existing {
            table.columns[i].kind = kind;
        } else {
            table.columns.push(Column { name, kind });
        }
        for (row, value) in table.rows.iter_mut().zip(values) {
            match existing.and_then(|i| row.get_mut(i)) {
                Some(cell) => *cell = value,
                None => row.push(value),
            }
        }
    }
    Ok(table)
}

fn sort(table: Table, keys: &[SortKey]) -> Result<Table, String> {
    let Table { columns, rows } = table;
    for key in keys {
        check(&key.expr, &columns)?;
    }
    let sort_keys: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| {
            keys.iter()
                .map(|k| eval(&k.expr, row, &columns).into_owned())
                .collect()
        })
        .collect();
    let mut keyed: Vec<(Vec<Value>, Vec<Value>)> = sort_keys.into_iter().zip(rows).collect();
    // Stable, so equal keys keep the incoming order.
    keyed.sort_by(|(a, _), (b, _)| {
        keys.iter()
            .zip(a.iter().zip(b))
            .map(|(key, (x, y))| compare_for_sort(key, x, y))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    Ok(Table {
        columns,
        rows: keyed.into_iter().map(|(_, row)| row).collect(),
    })
}

fn compare_for_sort(key: &SortKey, a: &Value, b: &Value) -> Ordering {
    let nulls = if key.nulls_first {
        Ordering::Less
    } else {
        Ordering::Greater
    };
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => nulls,
        (false, true) => nulls.reverse(),
        (false, false) => {
            // Mixed types have no order of their own; group them by kind so the sort stays total.
            let ordering = order(a, b).unwrap_or_else(|| kind_rank(a).cmp(&kind_rank(b)));
            if key.descending {
                ordering.reverse()
            } else {
                ordering
            }
        }
    }
}

fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// The name Kusto gives a column: the alias, the column itself, a path joined with `_`
/// (`properties.powerState.code` → `properties_powerState_code`), else `Column1`, `Column2`, ….
fn column_name(item: &Assignment, taken: &[Column]) -> String {
    if let Some(name) = &item.name {
        return name.clone();
    }
    match &item.expr {
        Expr::Column(name) => name.clone(),
        Expr::Path(base, steps) => match &**base {
            Expr::Column(base) => steps.iter().fold(base.clone(), |mut name, step| {
                name.push('_');
                match step {
                    Step::Member(m) => name.push_str(m),
                    Step::Index(i) => name.push_str(&i.to_string()),
                }
                name
            }),
            _ => unnamed(taken),
        },
        _ => unnamed(taken),
    }
}

fn unnamed(taken: &[Column]) -> String {
    (1..)
        .map(|n| format!("Column{n}"))
        .find(|candidate| !taken.iter().any(|c| c.name == *candidate))
        .unwrap_or_default()
}
