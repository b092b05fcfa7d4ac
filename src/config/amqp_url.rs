//! `amqp.user` and `amqp.password` written into the URL's userinfo, percent-encoded, so every client
//! of `amqp.url` logs in with exactly those strings.

use super::AmqpSettings;

impl AmqpSettings {
    /// `url` with `user` and `password` (each when non-empty) percent-encoded into its userinfo, so
    /// any client that decodes the URL logs in with exactly those strings. Without either, `url`.
    pub fn effective_url(&self) -> String {
        if self.user.is_empty() && self.password.is_empty() {
            return self.url.clone();
        }
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return self.url.clone();
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        let (old_user, old_pass) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (user.to_string(), Some(pass.to_string())),
                None => (u.to_string(), None),
            },
            None => (String::new(), None),
        };
        let user = if self.user.is_empty() {
            old_user
        } else {
            percent_encode(&self.user)
        };
        let pass = if self.password.is_empty() {
            old_pass
        } else {
            Some(percent_encode(&self.password))
        };
        match pass {
            Some(pass) => format!("{scheme}://{user}:{pass}@{host}{tail}"),
            None => format!("{scheme}://{user}@{host}{tail}"),
        }
    }
}

/// Percent-encode every byte but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "amqp_url_tests.rs"]
mod tests;
