//! Server text made safe for a terminal, as kubectl does: an ESC (which starts escape
//! sequences that can rewrite the screen or the window title) prints as `^[`, and a CR
//! (which returns to the start of the line, to overwrite what was printed) as `\r`.

/// `text` with ESC and CR replaced by visible text (not reversible, as in kubectl).
pub(crate) fn escape_terminal(text: &str) -> String {
    text.replace('\u{1b}', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_and_cr_are_shown() {
        assert_eq!(escape_terminal("a\u{1b}[0mb\rc\nd"), "a^[[0mb\\rc\nd");
        assert_eq!(escape_terminal("plain"), "plain");
    }
}
