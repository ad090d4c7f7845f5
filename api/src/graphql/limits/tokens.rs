//! Counting a document's tokens before it is parsed, so that a document of a million aliases is
//! refused for the price of one pass over its bytes instead of a parse. The anchors are graphql-js's
//! `maxTokens` and Apollo Router's `parser_max_tokens`: lexical tokens of the GraphQL grammar
//! (October 2021 edition, §2.1: punctuators, names, numbers and strings), with ignored tokens
//! (whitespace, commas, comments, a byte-order mark) not counted.

/// How many lexical tokens `source` holds. Text the grammar does not allow counts one token per
/// character: it never makes a document cheaper, and the parser refuses it anyway.
pub fn count(source: &str) -> usize {
    let bytes = source.as_bytes();
    let mut tokens = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                tokens += 1;
                i = block_string_end(bytes, i + 3);
            }
            b'"' => {
                tokens += 1;
                i = string_end(bytes, i + 1);
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                tokens += 1;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
            }
            b'-' | b'0'..=b'9' => {
                tokens += 1;
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
            }
            _ if source.is_char_boundary(i) && source[i..].starts_with('\u{feff}') => i += '\u{feff}'.len_utf8(),
            _ => {
                // Punctuators (`! $ & ( ) : = @ [ ] { | }`) and anything else, one byte each.
                tokens += 1;
                i += 1;
            }
        }
    }
    tokens
}

/// The index just past the `"` that ends a string whose text starts at `i` (escapes skipped), or the
/// end of the line or source for a string left open.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index just past the `"""` that ends a block string whose text starts at `i` (`\"""` skipped).
fn block_string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return i + 3;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn tokens_are_the_grammars_and_ignored_tokens_do_not_count() {
        assert_eq!(count("{ a }"), 3);
        assert_eq!(count("query Q($n: Int = 10) { a: b(first: $n) { ...F } }"), 25);
        assert_eq!(count("# a comment\n{ a, b,, c }"), 5);
        assert_eq!(count(r#"{ a(s: "x \" y", t: """block "" \""" text""") }"#), 11);
        assert_eq!(count("{ a(f: -1.5e3) }"), 8);
        assert_eq!(count("\u{feff}{ __typename }"), 3);
    }

    #[test]
    fn aliases_cost_three_tokens_each() {
        let aliases: String = (0..1000).map(|i| format!("a{i}: __typename ")).collect();
        assert_eq!(count(&format!("{{ {aliases}}}")), 3 * 1000 + 2);
    }
}
