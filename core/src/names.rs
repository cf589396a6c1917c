//! A copy of a record's field names, kept by a writer stage or encoder
//! to tell cheaply whether the next record has the same names, name by
//! name: then what it worked out from the names (which are sensitive,
//! where a schema's properties are, which keys an encoder renames) holds
//! for that record too. Comparing a few short names costs less than
//! hashing and looking up each one.

use crate::bytes::{assign, eq};
use crate::value::Value;

#[derive(Debug, Default)]
pub(crate) struct Names(Vec<String>);

impl Names {
    /// Whether `fields` have exactly these names, in this order.
    #[inline]
    pub fn same(&self, fields: &[(String, Value)]) -> bool {
        self.0.len() == fields.len()
            && self
                .0
                .iter()
                .zip(fields)
                .all(|(a, (b, _))| eq(a.as_bytes(), b.as_bytes()))
    }

    /// Becomes the names of `fields`, in the memory it already has.
    pub fn set(&mut self, fields: &[(String, Value)]) {
        self.0.truncate(fields.len());
        for (i, (k, _)) in fields.iter().enumerate() {
            match self.0.get_mut(i) {
                Some(name) => assign(name, k),
                None => self.0.push(k.clone()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str]) -> Vec<(String, Value)> {
        names.iter().map(|n| (n.to_string(), Value::Null)).collect()
    }

    #[test]
    fn same_names_in_the_same_order_only() {
        let mut n = Names::default();
        assert!(n.same(&[]));
        n.set(&fields(&["user_id", "client_ip", "api_key"]));
        assert!(n.same(&fields(&["user_id", "client_ip", "api_key"])));
        for other in [
            &["user_id", "client_ip"][..],
            &["user_id", "client_ip", "api_key", "x"],
            &["client_ip", "user_id", "api_key"],
            &["user_id", "client_ip", "api_kex"],
            &["user_id", "client_ip", "api-key"],
            &["user_id", "client_ip", "api_key "],
        ] {
            assert!(!n.same(&fields(other)), "{other:?}");
        }
        // Shorter, then longer names: the memory is reused, the names exact.
        n.set(&fields(&["a"]));
        assert!(n.same(&fields(&["a"])) && !n.same(&fields(&["user_id"])));
        n.set(&fields(&["a_much_longer_name_than_before", "b"]));
        assert!(n.same(&fields(&["a_much_longer_name_than_before", "b"])));
    }
}
